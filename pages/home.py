"""Home: a map of the course, one card per topic, with the device and the data in use."""
from __future__ import annotations

import streamlit as st

from pages._ui import router_guard, tr
from playground.course import TOPIC_ICONS, TOPICS, page_for
from playground.data import data_status

router_guard()

st.title(tr("home.title"))
st.markdown(tr("home.intro"))

cols = st.columns(2)
for i, topic in enumerate(TOPICS):
    with cols[i % 2].container(border=True):
        page = page_for(topic)
        st.markdown(f"##### {TOPIC_ICONS[topic]} {tr(f'topic.{topic}.title')}")
        st.caption(tr(f"topic.{topic}.desc"))
        if page is not None:
            st.page_link(page.file, label=tr("home.open"), icon=":material/arrow_forward:")
        else:
            st.caption(f":gray[{tr('home.coming')}]")

st.subheader(tr("home.data"))
status = data_status()
for key, state in status.items():
    st.markdown(f"- **{tr(f'dataset.{key}')}**: {tr(f'home.data.{key}.{state}')}")
