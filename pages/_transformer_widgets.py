"""Streamlit views of the /transformer page: attention step by step, positional encoding, a head grid,
and the live training panel of the tiny Transformer.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.transformer_view`` and
``playground.viz.attention``; these functions lay out widgets, keep the session's state and translate.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from pages._ui import current_lang, labeler, live_drawn, live_fragment, session_id, show_error, tr
from playground import transformer_view as tv
from playground.attention import DEFAULT_SENTENCE, MAX_WORDS, PROJECTIONS, AttentionError, oracle_gap
from playground.seqtasks import HEADS, LAYERS, LRS, TASKS, WIDTHS, SeqConfig, SeqTaskError, SnapshotEvent, TaskData
from playground.transformer_view import DIMS, MAX_TEXT  # pages/transformer.py imports them from here
from playground.viz import attention as viz
from playground.viz.training import plot_curves

S = st.session_state
_demo_weights = st.cache_resource(show_spinner=False)(tv.demo_weights)  # trained once, shared read-only: sessions copy
_sentiment = st.cache_resource(show_spinner=False)(tv.load_sentiment)


# ---------------------------------------------------------------- 1. self-attention step by step


def _step(title_key: str, latex: str, note_key: str, note_args: dict) -> None:
    st.markdown(f"**{tr(title_key)}**")
    st.latex(latex)
    st.caption(tr(note_key, **note_args))


def _chart(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", key=key, config={"displayModeBar": False})


def steps_view(prefix: str) -> None:
    """Type a sentence; every step of one attention head as a heatmap with the words on its axes."""
    lang = current_lang()
    c = st.columns([3, 1, 1])
    text = c[0].text_input(tr("transformer.steps.sentence"), DEFAULT_SENTENCE[lang], max_chars=MAX_TEXT,
                           key=f"{prefix}.sentence.{lang}", help=tr("transformer.steps.sentence.help", n=MAX_WORDS))
    dim = c[1].select_slider(tr("transformer.steps.dim"), DIMS, value=8, key=f"{prefix}.dim",
                             help=tr("transformer.steps.dim.help"))
    kind = c[2].radio(tr("transformer.steps.proj"), PROJECTIONS, format_func=labeler("transformer.steps.proj."),
                      key=f"{prefix}.proj", help=tr("transformer.steps.proj.help"))
    c = st.columns([1, 1, 1, 2])
    add_pe = c[0].toggle(tr("transformer.steps.pe"), True, key=f"{prefix}.pe", help=tr("transformer.steps.pe.help"))
    causal = c[1].toggle(tr("transformer.steps.causal"), False, key=f"{prefix}.causal",
                         help=tr("transformer.steps.causal.help"))
    seed = c[2].number_input(tr("transformer.steps.seed"), 0, 999, 0, key=f"{prefix}.seed",
                             disabled=kind != "random", help=tr("transformer.steps.seed.help"))
    try:
        words, steps, truncated = tv.sentence_attention(text, dim, kind, int(seed), add_pe, causal)
    except AttentionError as exc:
        show_error(exc)
        return
    if truncated:
        st.caption(tr("transformer.steps.truncated", n=MAX_WORDS))
    texts = tv.step_texts(add_pe, causal, kind, dim, steps.scale)  # what each step says, formula included
    c = st.columns([1, 2])
    with c[0]:
        _step(*texts[0])
    with c[1]:
        _chart(viz.plot_labeled(steps.x, tr("transformer.fig.x", t=len(words), d=dim), words,
                                [f"x{i}" for i in range(dim)]), f"{prefix}.x")
    _step(*texts[1])
    _chart(viz.plot_qkv(steps.q, steps.k, steps.v, words, ("Q", "K", "V"), show_values=dim <= 8), f"{prefix}.qkv")
    axes = {"x_title": tr("transformer.keys"), "y_title": tr("transformer.queries")}
    for first, names in ((2, ("scores", "scaled")), (4, ("masked", "weights"))):  # (T, T) maps, two a row
        for i, (col, name) in enumerate(zip(st.columns(2), names)):
            with col:
                _step(*texts[first + i])
                _chart(viz.plot_labeled(getattr(steps, name), tr(f"transformer.fig.{name}"), words, words,
                                        kind="weights" if name == "weights" else "signed", **axes), f"{prefix}.{name}")
    c = st.columns(2)
    with c[0]:
        _step(*texts[6])
        _chart(viz.plot_labeled(steps.output, tr("transformer.fig.output"), words, [f"z{i}" for i in range(dim)]),
               f"{prefix}.output")
    with c[1]:
        st.markdown(f"**{tr('transformer.oracle')}**")
        st.latex(r"\max |Z - \mathrm{sdpa}(Q, K, V)|")
        gap = oracle_gap(steps)
        (st.success if gap < 1e-6 else st.warning)(tr("transformer.oracle.result", gap=f"{gap:.1e}"),
                                                   icon=":material/verified:")
        st.caption(tr("transformer.oracle.note"))


# ---------------------------------------------------------------- 2. positional encoding


def positional_view(prefix: str) -> None:
    """The sinusoidal table and the similarity between positions, with sliders for its size."""
    c = st.columns(3)
    length = c[0].slider(tr("transformer.pe.length"), 4, 64, 32, key=f"{prefix}.length")
    dim = c[1].slider(tr("transformer.pe.dim"), 4, 64, 32, step=2, key=f"{prefix}.dim",
                      help=tr("transformer.pe.dim.help"))
    pos = c[2].slider(tr("transformer.pe.position"), 0, length - 1, min(length - 1, length // 2),
                      key=f"{prefix}.pos.{length}")
    st.latex(r"PE_{(p,\,2i)} = \sin\!\left(\frac{p}{10000^{2i/d}}\right) \qquad "
             r"PE_{(p,\,2i+1)} = \cos\!\left(\frac{p}{10000^{2i/d}}\right)")
    table, sim = tv.positional_tables(length, dim)  # (T, d), (T, T)
    c = st.columns(2)
    with c[0]:
        _chart(viz.plot_positional(table, tr("transformer.pe.table"), tr("transformer.pe.dims"),
                                   tr("transformer.pe.positions")), f"{prefix}.table")
        st.caption(tr("transformer.pe.table.note"))
    with c[1]:
        _chart(viz.plot_similarity(sim, tr("transformer.pe.sim"), tr("transformer.pe.positions"), pos), f"{prefix}.sim")
        st.caption(tr("transformer.pe.sim.note"))
    _chart(viz.plot_position_profile(sim, pos, tr("transformer.pe.profile", pos=pos), tr("transformer.pe.positions")),
           f"{prefix}.profile")


# ---------------------------------------------------------------- 3. multi-head attention of a trained model


def demo_model() -> dict:
    """This session's own copy of the demo model (its attention buffers are per session)."""
    if "transformer.demo" not in S:
        S["transformer.demo"] = tv.demo_copy(*_demo_weights())
    return S["transformer.demo"]


def head_grid(attn: np.ndarray, tokens: list[str], out_labels: list[str], task: str, key: str,
              share: np.ndarray | None = None, target: np.ndarray | None = None) -> None:
    """The layers × heads grid for one example, each map titled with its share on the right answer."""
    fig = viz.plot_head_grid(attn, tokens, out_labels, tv.grid_titles(attn, share, tr), target=target)
    _chart(fig, key)
    st.caption(tv.grid_note(task, tr))


def _model_choice() -> dict:
    """The student's last trained model or the demo one (a choice only once there is a trained one)."""
    if not S.get("transformer.model"):
        st.caption(tr("transformer.heads.model.only_demo"))
        return demo_model()
    pick = st.radio(tr("transformer.heads.model"), ("yours", "demo"), format_func=labeler("transformer.heads.model."),
                    horizontal=True, key="transformer.heads.which")
    return S["transformer.model"] if pick == "yours" else demo_model()


def heads_view() -> None:
    """Type an input; see every layer and head of a trained tiny Transformer attend to it."""
    trained = _model_choice()
    model, config = trained["model"], trained["config"]
    st.caption(tr("transformer.heads.about", task=tr(f"transformer.task.{config.task}"), layers=config.layers,
                  heads=config.heads, dim=config.dim))
    if config.task == "sentiment":
        default = tv.DEFAULT_REVIEW[current_lang()]
        text = st.text_input(tr("transformer.heads.sentence"), default, key=f"transformer.heads.text.{current_lang()}")
        try:
            attn, words, label = tv.read_review(model, trained["vocab"], text)  # unknown words show as <unk>
        except AttentionError as exc:
            show_error(exc)
            return
        st.markdown(tr("transformer.heads.predicted", label=tr(f"transformer.class.{label}")))
        head_grid(attn, words, words, config.task, "transformer.heads.grid")
        return
    text = st.text_input(tr("transformer.heads.digits", length=config.length), tv.example_digits(config.length),
                         key=f"transformer.heads.digits.{config.length}", help=tr("transformer.heads.digits.help"))
    try:
        x = tv.parse_digits(text, config.length)
    except SeqTaskError as exc:
        show_error(exc)
        return
    seen = tv.read_digits(model, config.task, x)
    st.markdown(tr("transformer.heads.io", x=" ".join(seen.tokens), pred=" ".join(str(p) for p in seen.prediction),
                   right=seen.right, total=config.length))
    show = st.toggle(tr("transformer.heads.outline"), True, key="transformer.heads.outline")
    head_grid(seen.attention, seen.tokens, seen.out_labels, config.task, "transformer.heads.grid", seen.share,
              seen.target if show else None)


# ---------------------------------------------------------------- 4. training live


def _config() -> SeqConfig:
    c = st.columns(4)
    task = c[0].selectbox(tr("transformer.train.task"), TASKS, format_func=labeler("transformer.task."),
                          key="transformer.train.task", help=tr("transformer.train.task.help"))
    layers = c[1].select_slider(tr("transformer.train.layers"), LAYERS, value=2, key="transformer.train.layers")
    heads = c[2].select_slider(tr("transformer.train.heads"), HEADS, value=2, key="transformer.train.heads",
                               help=tr("transformer.train.heads.help"))
    dim = c[3].select_slider(tr("transformer.train.dim"), WIDTHS, value=32, key="transformer.train.dim",
                             help=tr("transformer.train.dim.help"))
    c = st.columns(4)
    lr = c[0].select_slider(tr("train.lr"), LRS, value=3e-3, key="transformer.train.lr", format_func=lambda v: f"{v:g}",
                            help=tr("train.lr.help"))
    epochs = c[1].number_input(tr("train.epochs"), 1, 50, 6, key="transformer.train.epochs")
    seed = c[2].number_input(tr("train.seed"), 0, 10_000, 0, key="transformer.train.seed")
    length = c[3].number_input(tr("transformer.train.length"), 4, 12, 8, key="transformer.train.length",
                               disabled=task == "sentiment", help=tr("transformer.train.length.help"))
    return tv.train_config(task, length, dim, heads, layers, lr, epochs, seed)


def _start(config: SeqConfig, data: TaskData | None) -> None:
    from pages._train_panel import job_manager
    from playground.seqtasks import train_task

    data = tv.start_data(config, data)
    S["transformer.vocab"] = data.vocab
    S["transformer.example"] = data.x_test[config.example]  # (T,): the sequence whose attention is shown
    run = tv.add_run(S.setdefault("transformer.runs", []), config)
    S["transformer.run"], S["transformer.snaps"], S["transformer.snap_config"] = run, [], config
    S["transformer.job"] = job_manager().submit(session_id(), lambda stop: train_task(config, stop, data),
                                                label=f"transformer {config.task}")


def _collect() -> None:
    """Fold the job's new events into the run and the snapshot list; keep the model when it ends."""
    from pages._train_panel import job_manager

    job, run = S.get("transformer.job"), S.get("transformer.run")
    if job is None:
        return
    snaps, model = tv.fold_events(run, job.drain(), S["transformer.snap_config"], S.get("transformer.vocab"))
    S["transformer.snaps"].extend(snaps)
    if model is not None:
        S["transformer.model"] = model
    if not job.active and job.events.empty():
        tv.end_run(run, job.error)
        S.pop("transformer.job", None)
        job_manager().forget(job)


def _snapshot_view(snap: SnapshotEvent, key: str) -> None:
    config = S["transformer.snap_config"]
    attn, tokens, out_labels, target = tv.snapshot_labels(config.task, S["transformer.example"],
                                                       S.get("transformer.vocab"), snap)
    st.markdown(tr("transformer.train.snapshot", step=snap.step, epoch=f"{snap.epoch:.1f}", acc=f"{snap.accuracy:.0%}"))
    head_grid(attn, tokens, out_labels, config.task, key, snap.alignment, target)


def _live() -> None:
    _collect()
    run, job, snaps = S.get("transformer.run"), S.get("transformer.job"), S.get("transformer.snaps") or []
    if run is None:
        return
    if job is not None and job.status == "queued":
        from pages._train_panel import job_manager

        st.info(tr("train.queued", pos=job_manager().position(job)), icon=":material/hourglass_top:")
    st.progress(*tv.progress_bar(run, tr))
    if run["status"] == "error":
        key, kwargs = run["error"]
        st.error(tr(key, **kwargs), icon=":material/error:")
    if not snaps:
        return
    c = st.columns([3, 2])
    if run["history"]:
        c[0].plotly_chart(plot_curves([(f"#{run['id']}", run["history"])], tv.curve_labels(tr)), width="stretch",
                          key="transformer.train.curves")
    if snaps[-1].alignment is not None:
        c[1].plotly_chart(viz.plot_alignment_history(*tv.alignment_history(snaps, tr)), width="stretch",
                          key="transformer.train.align")
    if job is not None:
        _snapshot_view(snaps[-1], "transformer.train.live_grid")


def _scrub() -> None:
    snaps = S.get("transformer.snaps") or []
    if S.get("transformer.job") is not None or not snaps:
        return
    st.subheader(tr("transformer.train.replay"))
    steps = [s.step for s in snaps]
    step = st.select_slider(tr("transformer.train.replay_step"), steps, value=steps[-1],
                            key=f"transformer.train.replay.{S['transformer.run']['id']}",
                            help=tr("transformer.train.replay.help"))
    _snapshot_view(snaps[steps.index(step)], "transformer.train.replay_grid")


def train_view() -> None:
    """Settings, Train/Stop, the live curves and attention grid, then a slider through the snapshots."""
    config = _config()
    st.caption(tr(f"transformer.task.{config.task}.about"))
    try:
        data = tv.checked_data(config, _sentiment)  # the sentiment set; None for digits, drawn at the start
    except SeqTaskError as exc:
        show_error(exc)
        return
    except ValueError as exc:  # DatasetError: the sentiment set is not there (yet)
        st.info(exc.message(current_lang()) if hasattr(exc, "message") else str(exc), icon=":material/info:")
        return
    if data is not None:
        st.caption(tr("transformer.train.sentiment_data", n_train=len(data.x_train), n_test=len(data.x_test),
                      vocab=len(data.vocab)))
    if S.pop("transformer.requested", False) and S.get("transformer.job") is None:
        _start(config, data)
    job = S.get("transformer.job")
    c = st.columns([1, 1, 4])
    c[0].button(tr("train.start"), type="primary", icon=":material/play_arrow:", disabled=job is not None,
                key="transformer.train.start", on_click=S.__setitem__, args=("transformer.requested", True))
    c[1].button(tr("train.stop"), icon=":material/stop:", disabled=job is None, key="transformer.train.stop",
                on_click=lambda: S["transformer.job"].stop() if S.get("transformer.job") else None)
    live_fragment("transformer", "transformer.job", _live)
    _scrub()
    live_drawn("transformer", "transformer.job")
