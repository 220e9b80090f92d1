"""Streamlit helpers shared by the pages: language, translation, device panel, errors.

Kept out of ``playground/`` (the core never imports Streamlit). Not a page: ``app.py`` lists
pages explicitly, so this file is never shown in the navigation.
"""
from __future__ import annotations

import streamlit as st

from playground.i18n import DEFAULT_LANG, LANGS, normalize_lang, t

LANG_KEY = "lang"

# ---------------------------------------------------------------- keyed widgets keep their value
# Which argument of each Streamlit widget is its default (``index`` is a position in ``options``).
_DEFAULT_ARG = {
    "number_input": "value", "slider": "value", "select_slider": "value", "checkbox": "value", "toggle": "value",
    "text_input": "value", "text_area": "value", "color_picker": "value", "selectbox": "index", "radio": "index",
    "segmented_control": "default", "pills": "default", "multiselect": "default",
}


def _with_state_as_default(fn, arg: str):
    import functools
    import inspect

    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def call(self, *args, **kwargs):
        key = kwargs.get("key")
        if key is None or key not in st.session_state:
            return fn(self, *args, **kwargs)
        bound = sig.bind(self, *args, **kwargs)
        value = st.session_state[key]
        if arg == "index":
            options = list(bound.arguments.get("options") or ())
            if value is None:
                bound.arguments["index"] = None
            elif value in options:
                bound.arguments["index"] = options.index(value)
            else:  # not one of today's options: Streamlit's own handling (it resets the widget)
                return fn(self, *args, **kwargs)
        elif not _fits(value, bound.arguments):  # out of today's range or options: Streamlit's own handling
            return fn(self, *args, **kwargs)
        else:
            bound.arguments[arg] = value
        return fn(*bound.args, **bound.kwargs)

    call.state_as_default = True
    return call


def _fits(value, arguments: dict) -> bool:
    """Whether ``value`` is a valid default for the widget called with ``arguments``."""
    options = arguments.get("options")
    if options is not None:
        options = list(options)  # a range (select_slider) or a multiple choice is a list or tuple of options
        return value is None or all(v in options for v in (value if isinstance(value, (list, tuple)) else [value]))
    lo, hi = arguments.get("min_value"), arguments.get("max_value")
    for v in value if isinstance(value, (list, tuple)) else [value]:
        if v is None:
            continue
        if (isinstance(lo, (int, float)) and v < lo) or (isinstance(hi, (int, float)) and v > hi):
            return False
    return True


def keep_widget_values() -> None:
    """Give every keyed widget its current value as its default, so a redraw in the browser cannot reset it.

    Streamlit sends a widget's value to the browser only in the run that sets it; later runs send the widget
    with its *default*. When the browser mounts the widget again (under load, a live view's tick next to a
    full rerun unmounts and remounts parts of the page), it takes that default and sends it back as the
    student's choice: in the 30-student load test a network's Dense units fell back to 1 and the epochs to 5
    for 1 to 10 students per run. With the current value as the default, a remount shows what the student
    had. A keyed widget's identity is its key in Streamlit 1.67 (``key_as_main_identity``), so a default that
    changes from run to run does not make it a new widget. Applied once per process, at import.
    """
    from streamlit.delta_generator import DeltaGenerator

    for name, arg in _DEFAULT_ARG.items():
        method = getattr(DeltaGenerator, name)
        if getattr(method, "state_as_default", False):
            continue
        setattr(DeltaGenerator, name, _with_state_as_default(method, arg))
        setattr(st, name, getattr(st._main, name))  # ``st.x`` is a bound method taken at import


keep_widget_values()


def router_guard() -> None:
    """Make sure this page runs inside ``app.py``'s router.

    Streamlit treats an app with a ``pages/`` folder as a legacy multipage app until the entry
    script first calls ``st.navigation``. If the very first visit to a fresh server is a deep
    link (``/build``), the page file runs alone: no sidebar, no language, no layout, and the mode
    sticks for the whole process. The users asked for a top-level ``pages/`` folder, so instead
    of renaming it we switch that legacy mode off and rerun through the router once.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
LANG_NAMES = {"en": "English", "es": "Español"}


def current_lang() -> str:
    """The session's language: ``?lang=`` wins, then the earlier choice, then the browser's locale."""
    from_url = normalize_lang(st.query_params.get("lang"))
    if from_url:
        st.session_state[LANG_KEY] = from_url
    elif st.session_state.get(LANG_KEY) not in LANGS:
        st.session_state[LANG_KEY] = normalize_lang(st.context.locale) or DEFAULT_LANG
    return st.session_state[LANG_KEY]


def tr(key: str, **kwargs: object) -> str:
    """Translate into the session's language."""
    return t(key, st.session_state.get(LANG_KEY, DEFAULT_LANG), **kwargs)


def labeler(prefix: str, suffix: str = "", show_option: bool = False):
    """A ``format_func`` that translates ``prefix + option + suffix`` in the language of this run
    (``show_option`` puts the option itself first: "conv2d — 2-D convolution").

    The language is captured now, not looked up when Streamlit calls the function later.
    """
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    if show_option:
        return lambda option: f"{option} — {t(f'{prefix}{option}{suffix}', lang)}"
    return lambda option: t(f"{prefix}{option}{suffix}", lang)


def _on_lang_change() -> None:
    chosen = st.session_state["_lang_widget"]
    if chosen in LANGS:  # clicking the selected option again deselects it: keep the language then
        st.session_state[LANG_KEY] = chosen
        st.query_params["lang"] = chosen


def language_switch() -> None:
    """Sidebar control; the choice also goes into the URL so a shared link keeps the language."""
    lang = st.session_state[LANG_KEY]
    st.session_state["_lang_widget"] = lang
    st.segmented_control(
        "Idioma · Language",
        options=list(LANGS),
        format_func=LANG_NAMES.get,
        key="_lang_widget",
        on_change=_on_lang_change,
    )
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang


@st.cache_resource(show_spinner=False)
def _device_info():
    from playground.device import describe

    return describe()


def device_panel() -> None:
    """Where training runs: GPU name and memory, or CPU with the per-job thread budget."""
    info = _device_info()
    if info.kind == "cuda":
        st.caption(tr("device.cuda", name=info.name, memory=info.memory_gb))
    elif info.kind == "mps":
        st.caption(tr("device.mps"))
    else:
        st.caption(tr("device.cpu", threads=info.threads))


def session_id() -> str:
    """This browser session's id (jobs are owned by sessions)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else "no-session"


def show_error(exc: Exception) -> None:
    """An ``st.error`` in the user's language, never a traceback."""
    message = exc.message(st.session_state.get(LANG_KEY, DEFAULT_LANG)) if hasattr(exc, "message") else str(exc)
    st.error(message, icon=":material/error:")


def page_url() -> str:
    """This page's address without its query string (as the browser shows it)."""
    return (st.context.url or "").split("?")[0]


def share_link(params: dict[str, str], teacher: bool = False) -> None:
    """A "Share link" popover: the link that reproduces this page's state, with a copy button.

    ``teacher=True`` adds the teacher's choice of controls to lock or hide (see ``playground.share``).
    """
    from playground.share import HIDEABLE, LOCKABLE, share_url

    params = {**params, "lang": current_lang()}
    with st.popover(tr("share.button"), icon=":material/link:"):
        st.caption(tr("share.help"))
        if teacher:
            st.markdown(f"**{tr('share.teacher')}**")
            st.caption(tr("share.teacher.help"))
            lock = st.multiselect(tr("share.lock"), LOCKABLE, default=sorted(st.session_state.get("share.locked", ())),
                                  format_func=labeler("share.control."), key="share.lock_pick")
            hide = st.multiselect(tr("share.hide"), HIDEABLE, default=sorted(st.session_state.get("share.hidden", ())),
                                  format_func=labeler("share.control."), key="share.hide_pick")
            params.pop("lock", None), params.pop("hide", None)
            if lock:
                params["lock"] = ",".join(lock)
            if hide:
                params["hide"] = ",".join(hide)
        st.code(share_url(page_url(), params), language=None, wrap_lines=True)


def limits_from_secrets() -> None:
    """Copy the teacher's ``[limits]`` from ``.streamlit/secrets.toml`` into the environment, once per process."""
    from playground.limits import LimitsError, export_to_env

    if getattr(limits_from_secrets, "done", False):
        return
    try:
        section = st.secrets.get("limits", {}) if _has_secrets() else {}
        export_to_env(section)
    except LimitsError as exc:
        st.error(tr("limits.bad", detail=str(exc)), icon=":material/error:")
        return
    limits_from_secrets.done = True


def _has_secrets() -> bool:
    try:
        return bool(st.secrets.load_if_toml_exists())
    except Exception:  # noqa: BLE001 - a broken secrets file: treat as none, the page still opens
        return False


def session_alive(sid: str) -> bool:
    """Whether a browser session is still connected (the job reaper asks; True outside a real server)."""
    try:
        from streamlit.runtime import Runtime

        return Runtime.instance().is_active_session(sid)
    except RuntimeError:  # no runtime: AppTest or a script
        return True


def url_state(page: str, controls, optional=()) -> dict[str, str]:
    """A page's settings in the URL, as on TensorFlow Playground.

    On the page's first run in this session, values of ``controls`` (``playground.share.Control``) found in
    the query string go into session state (bad ones are dropped with a warning); on every run the current
    values are written back to the URL; names in ``optional`` that have no value now (a setting of another
    choice) leave it. Returns them, for ``share_link``.
    """
    from playground.share import params_of, read_values

    flag = f"{page}.url_loaded"
    if flag not in st.session_state:
        st.session_state[flag] = True
        values, dropped = read_values(st.query_params.to_dict(), controls)
        st.session_state.update(values)
        if dropped:
            st.warning(tr("share.dropped", items=", ".join(dropped)), icon=":material/link_off:")
            for item in dropped:  # said once: a reload or a copied address does not repeat the bad value
                st.query_params.pop(item.split("=", 1)[0], None)
    params = params_of(st.session_state, controls)
    for name, value in params.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    for name in optional:
        if name not in params and name in st.query_params:
            del st.query_params[name]
    return params


# ---------------------------------------------------------------- live job fragments
LIVE_TICK_S = 0.5


def live_fragment(prefix: str, job_key: str, body, *args) -> None:
    """Run ``body(*args)`` as the live view of the background job in ``st.session_state[job_key]``.

    The fragment reruns itself every ``LIVE_TICK_S`` while the job runs. What the page draws from a finished
    job outside the fragment (the Train button) needs a full run, so once the job has ended the fragment asks
    for one, and asks again on later ticks until a full run has reached ``live_drawn(prefix, ...)``: a single
    request could be lost under load. The full run that follows declares no timer, so the ticks stop there
    (a leftover timer meeting later full reruns made elements vanish from the page in the load test).
    """
    S = st.session_state
    undrawn = f"{prefix}.undrawn"

    def run() -> None:
        before = S.get(job_key)
        body(*args)  # collects the job's events; drops the job from the session once it has ended
        if S.get(job_key) is not None:
            S[undrawn] = True
        elif before is not None or (S.get(undrawn) and _fragment_only_run()):
            # Ended now, or ended earlier with no full run since: what this run drew above the fragment
            # (the Train button, still disabled) is stale either way.
            st.rerun(scope="app")

    st.fragment(run, run_every=LIVE_TICK_S if S.get(job_key) is not None else None)()


def live_drawn(prefix: str, job_key: str) -> None:
    """Call where a full run of the page has drawn everything that depends on the end of the job."""
    if st.session_state.get(job_key) is None:
        st.session_state.pop(f"{prefix}.undrawn", None)


def _fragment_only_run() -> bool:
    """True in a fragment's own rerun (its timer tick), False when a full run of the page calls it inline."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)
