"""Streamlit views of the /transformer page: attention step by step, positional encoding, a head grid,
and the live training panel of the tiny Transformer.

Not a page (``app.py`` lists pages explicitly). The work is done by ``playground.attention``,
``playground.seqtasks`` and ``playground.viz.attention``; these functions lay out widgets and translate.
"""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from pages._ui import current_lang, labeler, live_drawn, live_fragment, session_id, show_error, tr
from playground import runs
from playground.attention import (
    DEFAULT_SENTENCE,
    MAX_WORDS,
    PROJECTIONS,
    AttentionError,
    attention_steps,
    embed_words,
    oracle_gap,
    position_similarity,
    projections,
    sinusoidal_encoding,
    split_words,
)
from playground.seqtasks import (
    DIGIT_TASKS,
    HEADS,
    LAYERS,
    LRS,
    TASKS,
    WIDTHS,
    SeqConfig,
    SeqTaskError,
    SnapshotEvent,
    TaskData,
    alignment,
    attention_maps,
    build_model,
    check_config,
    quick_model,
    target_attention,
    task_data,
)
from playground.training import DoneEvent, ErrorEvent
from playground.viz.attention import (
    plot_alignment_history,
    plot_head_grid,
    plot_labeled,
    plot_position_profile,
    plot_positional,
    plot_qkv,
    plot_similarity,
)
from playground.viz.training import plot_curves

S = st.session_state
DIMS = (4, 6, 8, 12, 16)
MAX_TEXT = 200  # characters of the typed sentence (MAX_WORDS words are used; a link carries it whole)
DEFAULT_REVIEW = {"en": "the movie was not good at all", "es": "la película no fue nada buena"}


# ---------------------------------------------------------------- 1. self-attention step by step


def _step(title_key: str, latex: str, note_key: str, **kwargs) -> None:
    st.markdown(f"**{tr(title_key)}**")
    st.latex(latex)
    st.caption(tr(note_key, **kwargs))


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
        words = split_words(text)
    except AttentionError as exc:
        show_error(exc)
        return
    if len(split_words(text, max_words=10_000)) > len(words):
        st.caption(tr("transformer.steps.truncated", n=MAX_WORDS))
    x = embed_words(words, dim) + (sinusoidal_encoding(len(words), dim) if add_pe else 0.0)  # (T, d)
    steps = attention_steps(x, *projections(dim, kind, int(seed)), causal=causal)
    dims = [f"x{i}" for i in range(dim)]
    out = [f"z{i}" for i in range(dim)]

    c = st.columns([1, 2])
    with c[0]:
        _step("transformer.step1", r"X = E_{\text{word}} + PE" if add_pe else r"X = E_{\text{word}}",
              "transformer.step1.note" if add_pe else "transformer.step1.note_nope")
    with c[1]:
        _chart(plot_labeled(steps.x, tr("transformer.fig.x", t=len(words), d=dim), words, dims), f"{prefix}.x")
    _step("transformer.step2", r"Q = XW_Q \qquad K = XW_K \qquad V = XW_V", f"transformer.step2.note.{kind}")
    _chart(plot_qkv(steps.q, steps.k, steps.v, words, ("Q", "K", "V"), show_values=dim <= 8), f"{prefix}.qkv")
    c = st.columns(2)
    with c[0]:
        _step("transformer.step3", r"S = QK^{\top}", "transformer.step3.note")
        _chart(plot_labeled(steps.scores, tr("transformer.fig.scores"), words, words, x_title=tr("transformer.keys"),
                            y_title=tr("transformer.queries")), f"{prefix}.scores")
    with c[1]:
        _step("transformer.step4", rf"S' = \frac{{S}}{{\sqrt{{d_k}}}} = \frac{{S}}{{\sqrt{{{dim}}}}}",
              "transformer.step4.note", scale=f"{steps.scale:.2f}")
        _chart(plot_labeled(steps.scaled, tr("transformer.fig.scaled"), words, words, x_title=tr("transformer.keys"),
                            y_title=tr("transformer.queries")), f"{prefix}.scaled")
    c = st.columns(2)
    with c[0]:
        _step("transformer.step5", r"M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}"
              if causal else r"M = 0", "transformer.step5.note" if causal else "transformer.step5.note_off")
        _chart(plot_labeled(steps.masked, tr("transformer.fig.masked"), words, words, x_title=tr("transformer.keys"),
                            y_title=tr("transformer.queries")), f"{prefix}.masked")
    with c[1]:
        _step("transformer.step6", r"A_{ij} = \frac{e^{S'_{ij} + M_{ij}}}{\sum_k e^{S'_{ik} + M_{ik}}}",
              "transformer.step6.note")
        _chart(plot_labeled(steps.weights, tr("transformer.fig.weights"), words, words, kind="weights",
                            x_title=tr("transformer.keys"), y_title=tr("transformer.queries")), f"{prefix}.weights")
    c = st.columns(2)
    with c[0]:
        _step("transformer.step7", r"Z = AV", "transformer.step7.note")
        _chart(plot_labeled(steps.output, tr("transformer.fig.output"), words, out), f"{prefix}.output")
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
    table = sinusoidal_encoding(length, dim)  # (T, d)
    sim = position_similarity(table)  # (T, T)
    c = st.columns(2)
    with c[0]:
        _chart(plot_positional(table, tr("transformer.pe.table"), tr("transformer.pe.dims"),
                               tr("transformer.pe.positions")), f"{prefix}.table")
        st.caption(tr("transformer.pe.table.note"))
    with c[1]:
        _chart(plot_similarity(sim, tr("transformer.pe.sim"), tr("transformer.pe.positions"), pos), f"{prefix}.sim")
        st.caption(tr("transformer.pe.sim.note"))
    _chart(plot_position_profile(sim, pos, tr("transformer.pe.profile", pos=pos), tr("transformer.pe.positions")),
           f"{prefix}.profile")


# ---------------------------------------------------------------- 3. multi-head attention of a trained model


@st.cache_resource(show_spinner=False)
def _demo_weights() -> tuple[dict, SeqConfig]:
    """A tiny Transformer trained on reverse (about a second, seeded), shared read-only: sessions copy it."""
    config = SeqConfig(task="reverse", epochs=4, threads=1)
    model, _ = quick_model(config)
    return {k: v.clone() for k, v in model.state_dict().items()}, config


def demo_model() -> dict:
    """This session's own copy of the demo model (its attention buffers are per session)."""
    if "transformer.demo" not in S:
        state, config = _demo_weights()
        model = build_model(config)
        model.load_state_dict(state)
        S["transformer.demo"] = {"model": model.eval(), "config": config, "vocab": None, "classes": None}
    return S["transformer.demo"]


def _grid_titles(attn: np.ndarray, share: np.ndarray | None) -> list[str]:
    layers, heads = attn.shape[:2]
    if share is None:
        return [tr("transformer.grid.head", layer=li + 1, head=hi + 1) for li in range(layers) for hi in range(heads)]
    return [tr("transformer.grid.head_share", layer=li + 1, head=hi + 1, share=f"{share[li, hi]:.0%}")
            for li in range(layers) for hi in range(heads)]


def head_grid(attn: np.ndarray, tokens: list[str], out_labels: list[str], task: str, key: str,
              share: np.ndarray | None = None, target: np.ndarray | None = None) -> None:
    """The layers × heads grid for one example, each map titled with its share on the right answer."""
    fig = plot_head_grid(attn, tokens, out_labels, _grid_titles(attn, share), target=target)
    _chart(fig, key)
    st.caption(tr("transformer.grid.note" if task in DIGIT_TASKS else "transformer.grid.note_text"))


def _parse_digits(text: str, length: int) -> torch.Tensor:
    digits = [int(ch) for ch in text if ch.isdigit()]
    if len(digits) != length or any(ch.isalpha() for ch in text):
        raise SeqTaskError("transformer.err.digits", length=length)
    return torch.tensor(digits)[None]  # (1, T)


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
        default = DEFAULT_REVIEW[current_lang()]
        text = st.text_input(tr("transformer.heads.sentence"), default, key=f"transformer.heads.text.{current_lang()}")
        from playground.data.text import encode

        vocab = trained["vocab"]
        x = torch.as_tensor(np.asarray(encode([text], vocab, model.position.table.shape[0])))  # (1, T)
        keep = (x[0] != 0).nonzero().flatten().tolist()
        if not keep:
            show_error(AttentionError("transformer.err.no_words"))
            return
        attn, pred = attention_maps(model, x)  # (L, 1, H, T, T), (1,)
        words = [vocab[int(x[0, j])] for j in keep]  # unknown words show as <unk>
        attn = attn[:, 0][:, :, keep][:, :, :, keep]  # (L, H, t, t)
        st.markdown(tr("transformer.heads.predicted", label=tr(f"transformer.class.{int(pred[0])}")))
        head_grid(attn, words, words, config.task, "transformer.heads.grid")
        return
    example = " ".join(str(int(d)) for d in torch.randint(0, 10, (config.length,),
                                                          generator=torch.Generator().manual_seed(7)))
    text = st.text_input(tr("transformer.heads.digits", length=config.length), example,
                         key=f"transformer.heads.digits.{config.length}", help=tr("transformer.heads.digits.help"))
    try:
        x = _parse_digits(text, config.length)
    except SeqTaskError as exc:
        show_error(exc)
        return
    attn, pred = attention_maps(model, x)  # (L, 1, H, T, T), (1, T)
    target = target_attention(config.task, x)  # (1, T, T)
    share = alignment(attn, target)  # (L, H)
    tokens = [str(int(d)) for d in x[0]]
    answer = torch.from_numpy(np.asarray(target[0])).float().argmax(-1).tolist()
    expected = [tokens[j] for j in answer]
    right = sum(int(p) == int(e) for p, e in zip(pred[0], expected))
    st.markdown(tr("transformer.heads.io", x=" ".join(tokens), pred=" ".join(str(int(p)) for p in pred[0]),
                   right=right, total=config.length))
    show = st.toggle(tr("transformer.heads.outline"), True, key="transformer.heads.outline")
    out_labels = [f"{i}→{p}" for i, p in enumerate(pred[0].tolist())]
    head_grid(attn[:, 0], tokens, out_labels, config.task, "transformer.heads.grid", share,
              target[0] if show else None)



# ---------------------------------------------------------------- 4. training live


@st.cache_resource(show_spinner=False)
def _sentiment():
    from playground.data import load_dataset

    return load_dataset("sentiment", lang="both", max_len=32, seed=0)


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
    # ~250 reviews make 4 batches of 64 per epoch: smaller batches give the sentiment model more steps to learn from.
    return SeqConfig(task=task, length=int(length), dim=int(dim), heads=int(heads), layers=int(layers), lr=float(lr),
                     epochs=int(epochs), seed=int(seed), batch_size=16 if task == "sentiment" else 64)


def _start(config: SeqConfig, data: TaskData | None) -> None:
    from pages._train_panel import job_manager
    from playground.seqtasks import train_task

    S.setdefault("transformer.runs", [])
    run = runs.new_run(len(S["transformer.runs"]) + 1, config.to_dict(), config.task, config)
    S["transformer.runs"].append(run)
    S["transformer.run"], S["transformer.snaps"], S["transformer.snap_config"] = run, [], config
    S["transformer.job"] = job_manager().submit(session_id(), lambda stop: train_task(config, stop, data),
                                                label=f"transformer {config.task}")


def _collect() -> None:
    """Fold the job's new events into the run and the snapshot list; keep the model when it ends."""
    from pages._train_panel import job_manager

    job, run = S.get("transformer.job"), S.get("transformer.run")
    if job is None:
        return
    for event in job.drain():
        runs.apply_event(run, event)
        if isinstance(event, SnapshotEvent):
            S["transformer.snaps"].append(event)
        elif isinstance(event, (DoneEvent, ErrorEvent)) and event.model is not None:
            S["transformer.model"] = {"model": event.model, "config": S["transformer.snap_config"],
                                      "vocab": S.get("transformer.vocab"), "classes": None}
    if not job.active and job.events.empty():
        if job.error:
            run.update(status="error", error=("train.crashed", {"detail": job.error[:120]}))
        S.pop("transformer.job", None)
        job_manager().forget(job)


def _example_labels(config: SeqConfig, snap: SnapshotEvent) -> tuple[list[str], list[str], np.ndarray | None]:
    x = S["transformer.example"]  # (T,) int64
    if config.task == "sentiment":
        vocab = S.get("transformer.vocab") or []
        words = [vocab[int(i)] if int(i) < len(vocab) else "?" for i in x]
        return words, words, None
    tokens = [str(int(d)) for d in x]
    return tokens, [f"{i}→{int(p)}" for i, p in enumerate(snap.prediction)], target_attention(config.task, x)[0]


def _snapshot_view(snap: SnapshotEvent, key: str) -> None:
    config = S["transformer.snap_config"]
    tokens, out_labels, target = _example_labels(config, snap)
    attn = snap.attention
    if config.task == "sentiment":
        keep = [j for j, i in enumerate(S["transformer.example"]) if int(i) != 0]
        attn = attn[:, :, keep][:, :, :, keep]
        tokens = out_labels = [tokens[j] for j in keep]
    st.markdown(tr("transformer.train.snapshot", step=snap.step, epoch=f"{snap.epoch:.1f}",
                   acc=f"{snap.accuracy:.0%}"))
    head_grid(attn, tokens, out_labels, config.task, key, snap.alignment, target)


def _live() -> None:
    _collect()
    run, job, snaps = S.get("transformer.run"), S.get("transformer.job"), S.get("transformer.snaps") or []
    if run is None:
        return
    if job is not None and job.status == "queued":
        from pages._train_panel import job_manager

        st.info(tr("train.queued", pos=job_manager().position(job)), icon=":material/hourglass_top:")
    text = tr("transformer.train.progress", step=run["step"], total=run["total_steps"] or "?")
    if run["status"] not in ("queued", "running"):
        status = tr(f"train.status.{run['status']}")
        text += f" · {status}"
    st.progress(runs.progress(run), text=text)
    if run["status"] == "error":
        key, kwargs = run["error"]
        st.error(tr(key, **kwargs), icon=":material/error:")
    if not snaps:
        return
    c = st.columns([3, 2])
    if run["history"]:
        labels = {k: tr(f"train.curve.{k}") for k in ("loss", "epoch", "train", "val")}
        labels["accuracy"] = tr("transformer.train.token_acc")
        c[0].plotly_chart(plot_curves([(f"#{run['id']}", run["history"])], labels), width="stretch",
                          key="transformer.train.curves")
    if snaps[-1].alignment is not None:
        c[1].plotly_chart(plot_alignment_history(
            [s.step for s in snaps], np.stack([s.alignment for s in snaps]), [s.accuracy for s in snaps],
            {"step": tr("transformer.train.step"), "share": tr("transformer.train.share"),
             "accuracy": tr("transformer.train.token_acc"), "head": tr("transformer.grid.head")}),
            width="stretch", key="transformer.train.align")
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
    data = None
    try:
        check_config(config)
        if config.task == "sentiment":
            sentiment = _sentiment()
            data = TaskData(sentiment.x_train, sentiment.y_train, sentiment.x_test, sentiment.y_test,
                            list(sentiment.meta["vocab"]))
            st.caption(tr("transformer.train.sentiment_data", n_train=len(data.x_train), n_test=len(data.x_test),
                          vocab=len(data.vocab)))
    except SeqTaskError as exc:
        show_error(exc)
        return
    except ValueError as exc:  # DatasetError: the sentiment set is not there (yet)
        st.info(exc.message(current_lang()) if hasattr(exc, "message") else str(exc), icon=":material/info:")
        return
    if S.pop("transformer.requested", False) and S.get("transformer.job") is None:
        data = data or task_data(config)
        S["transformer.vocab"] = data.vocab
        S["transformer.example"] = data.x_test[config.example]  # (T,): the sequence whose attention is shown
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
