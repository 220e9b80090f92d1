"""Pure plotting functions: arrays and numbers in, plotly figures out. No Streamlit here."""
