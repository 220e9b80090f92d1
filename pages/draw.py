"""Draw a digit: an MNIST model reads your drawing, says why, and shows what it sees inside."""
from __future__ import annotations

import streamlit as st

from pages._ui import labeler, router_guard, share_link, tr, url_state
from playground.digits import is_digit_model, load_default_model, predict_probs, preprocess, to_input
from playground.share import choice
from playground.spec import ModelSpec
from playground.viz.draw import plot_attribution, plot_digit, plot_probabilities

router_guard()

S = st.session_state
METHODS = ("saliency", "integrated_gradients", "occlusion", "grad_cam")
URL_CONTROLS = (choice("method", "draw.method", METHODS),)  # a drawing and a student's model cannot travel in a URL
UNSURE = 0.6  # below this top probability the page says the model is unsure


@st.cache_resource(show_spinner=False)
def shipped_model():
    """The shipped model, shared read-only by every session (never trained further here)."""
    return load_default_model()


def student_model():
    """The model trained on /build when the Draw page can use it: (model, spec) or None."""
    trained = S.get("train.model")
    if not trained or trained.get("backend") != "torch":
        return None
    spec = trained["spec"]
    spec = spec if isinstance(spec, ModelSpec) else ModelSpec.from_dict(spec)
    return (trained["model"], spec) if is_digit_model(spec) else None


def clear_canvas() -> None:
    S["draw.canvas_n"] = S.get("draw.canvas_n", 0) + 1  # a new key is a new, empty canvas


def choose_model():
    model, spec, meta = shipped_model()
    student = student_model()
    if student is None:
        st.caption(tr("draw.model.shipped_only", acc=f"{meta.get('test_accuracy', 0) * 100:.1f}"))
        return model, spec
    choice = st.radio(tr("draw.model"), ["shipped", "student"], format_func=labeler("draw.model."),
                      key="draw.model_choice", horizontal=True, help=tr("draw.model.help"))
    return student if choice == "student" else (model, spec)


def draw_canvas():
    from streamlit_drawable_canvas import st_canvas

    st.markdown(f"**{tr('draw.canvas')}**")
    result = st_canvas(fill_color="rgba(0,0,0,0)", stroke_width=18, stroke_color="#FFFFFF",
                       background_color="#000000", width=280, height=280, drawing_mode="freedraw",
                       key=f"draw.canvas.{S.get('draw.canvas_n', 0)}", update_streamlit=True,
                       return_image_data=True)
    st.button(tr("draw.clear"), on_click=clear_canvas, icon=":material/delete:", key="draw.clear")
    return None if result is None else result.image_data


def explanations(model, spec, img, x, predicted: int) -> None:
    from playground.explain import SIGNED, ExplainError, explain

    st.subheader(tr("draw.explain"))
    st.caption(tr("draw.explain.intro"))
    c1, c2 = st.columns(2)
    method = c1.selectbox(tr("draw.method"), METHODS, format_func=labeler("draw.method."), key="draw.method")
    target = c2.selectbox(tr("draw.target"), list(range(10)), index=predicted, key=f"draw.target.{predicted}",
                          help=tr("draw.target.help"))
    st.caption(tr(f"draw.method.{method}.help"))
    try:
        attr = explain(model, x, target, method)
    except ExplainError as exc:
        st.warning(exc.message(S.get("lang", "en")), icon=":material/info:")
        return
    signed = SIGNED[method]
    st.plotly_chart(plot_attribution(img, attr, signed=signed, title=tr("draw.overlay", digit=target)),
                    key="draw.overlay_fig", width="content")
    st.caption(tr("draw.overlay.signed" if signed else "draw.overlay.magnitude"))


def inside(model, spec, x) -> None:
    from pages._cnn_widgets import feature_maps_view

    st.subheader(tr("draw.inside"))
    st.caption(tr("draw.inside.intro"))
    feature_maps_view(model, spec, x, "draw")


def main() -> None:
    link = url_state("draw", URL_CONTROLS)  # before the title row: a bad link's warning gets the full width
    head = st.columns([6, 1], vertical_alignment="bottom")
    head[0].title(tr("page.draw.title"))
    with head[1]:
        share_link(link)
    st.markdown(tr("draw.intro"))
    model, spec = choose_model()
    left, right = st.columns(2)
    with left:
        rgba = draw_canvas()
    img = preprocess(rgba)
    with right:
        st.markdown(f"**{tr('draw.sees')}**", help=tr("draw.sees.help"))
        if img is None:
            st.info(tr("draw.empty"), icon=":material/draw:")
            return
        st.plotly_chart(plot_digit(img), key="draw.sees_fig", width="content")
    x = to_input(img)  # (1, 1, 28, 28)
    probs = predict_probs(model, spec, x)  # (10,)
    best = int(probs.argmax())
    st.subheader(tr("draw.prediction", digit=best))
    top = probs.argsort()[::-1][:3]
    st.markdown(tr("draw.top3") + " " + " · ".join(f"**{i}** ({probs[i] * 100:.1f}%)" for i in top))
    if probs[best] < UNSURE:
        st.warning(tr("draw.unsure", p=f"{probs[best] * 100:.0f}"), icon=":material/help:")
    st.plotly_chart(plot_probabilities(probs, xlabel=tr("draw.digit"), ylabel=tr("draw.probability")),
                    key="draw.probs_fig", width="stretch")
    explanations(model, spec, img, x, best)
    inside(model, spec, x)


main()
