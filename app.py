"""Deep Learning Playground: the router. Page config, sidebar (language, device), navigation."""
from __future__ import annotations

import streamlit as st

from pages._ui import current_lang, device_panel, language_switch, limits_from_secrets, tr
from playground.course import PAGES

st.set_page_config(page_title="Deep Learning Playground", page_icon=":material/neurology:", layout="wide")

lang = current_lang()
limits_from_secrets()  # a teacher's [limits] in .streamlit/secrets.toml, before any page reads them
pages = [
    st.Page(p.file, title=tr(f"page.{p.key}.title"), icon=p.icon, url_path=p.url_path or None,
            default=p.url_path == "")
    for p in PAGES
]
nav = st.navigation(pages)
with st.sidebar:
    language_switch()
    device_slot = st.empty()
nav.run()
# Filled after the page so that its content never waits for the device probe (it imports torch).
with device_slot.container():
    device_panel()
