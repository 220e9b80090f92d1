"""Nothing a user sends is ever unpickled, and the server's safe defaults stay on."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Loaders that can run code hidden in a file. The one exception is the CIFAR cache reader
# (playground/data/images.py), which unpickles the dataset's own files through an allow-list.
UNSAFE = re.compile(r"\b(pickle\.loads?|torch\.load|joblib\.load|dill\.loads?|keras\.models\.load_model|"
                    r"load_model)\s*\(|allow_pickle\s*=\s*True|weights_only\s*=\s*False")
# Server-side files that no user sends, read with torch's restricted loader (weights_only=True, tensors
# and plain containers only). Each entry is (file, the text of the line): a new torch.load anywhere
# else, or this one losing weights_only=True, still fails the scan.
ALLOWED = {
    # torchvision's own ImageNet checkpoint in the server's torch hub cache (the /transfer page never
    # downloads it and never takes it from a user).
    ("playground/transfer.py",
     'model.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=True))'),
}


def test_no_unsafe_loader_in_the_app():
    hits = []
    for path in [*ROOT.joinpath("pages").rglob("*.py"), *ROOT.joinpath("playground").rglob("*.py"), ROOT / "app.py"]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            allowed = (path.relative_to(ROOT).as_posix(), line.strip()) in ALLOWED
            if UNSAFE.search(line) and not line.lstrip().startswith("#") and not allowed:
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not hits, hits


def test_the_scan_would_catch_one():
    assert UNSAFE.search("state = torch.load(io.BytesIO(data))")
    assert UNSAFE.search("np.load(f, allow_pickle=True)")


def test_every_allowed_line_still_exists():
    # An allow-list entry whose line has gone would silently allow nothing useful: keep the list honest.
    for file, text in ALLOWED:
        lines = [line.strip() for line in (ROOT / file).read_text(encoding="utf-8").splitlines()]
        assert text in lines, (file, text)
        assert "weights_only=True" in text


def test_streamlit_safe_defaults():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server["maxUploadSize"] == 5
    assert server["allowedHosts"] and "*" not in server["allowedHosts"]
