"""Uploaded zips: a zip bomb, too many files or too much data is refused before it fills the disk."""

import io
import zipfile

import psycopg
import pytest

from assetmap.ingest import archives
from tests.helpers import add_staff, close_app, csrf_token, make_app, sign_in


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_a_real_package_unpacks(tmp_path):
    (tmp_path / "in.zip").write_bytes(zipped({"halls.csv": b"name\nHall\n", "more/notes.txt": b"x"}))
    archives.extract(tmp_path / "in.zip", tmp_path / "out", max_bytes=1 << 20)
    assert (tmp_path / "out" / "halls.csv").read_bytes() == b"name\nHall\n"
    assert (tmp_path / "out" / "more" / "notes.txt").exists()


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    bomb = zipped({"zeros.csv": bytes(64 << 20)})            # 64 MB of zeros in about 64 kB
    assert len(bomb) < 200_000
    (tmp_path / "bomb.zip").write_bytes(bomb)
    with pytest.raises(archives.ZipRefused, match="zip bomb"):
        archives.extract(tmp_path / "bomb.zip", tmp_path / "out", max_bytes=1 << 30)
    assert not (tmp_path / "out").exists()


def test_too_much_data_or_too_many_files_is_refused(tmp_path, monkeypatch):
    (tmp_path / "big.zip").write_bytes(zipped({"a.csv": bytes(range(256)) * 8192}))   # 2 MB that barely packs
    with pytest.raises(archives.ZipRefused, match="would unpack to 2 MB; at most 1 MB"):
        archives.extract(tmp_path / "big.zip", tmp_path / "out", max_bytes=1 << 20)
    monkeypatch.setattr(archives, "MAX_MEMBERS", 3)
    (tmp_path / "many.zip").write_bytes(zipped({f"{i}.csv": b"x" for i in range(4)}))
    with pytest.raises(archives.ZipRefused, match="holds 4 files; at most 3"):
        archives.extract(tmp_path / "many.zip", tmp_path / "out", max_bytes=1 << 20)


def test_an_upload_page_names_the_refusal(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        add_staff(conn)
    app = make_app(fresh_db_url)
    try:
        client = app.test_client()
        sign_in(client)
        data = {"kind": "assets", "csrf_token": csrf_token(client, "/planner/data/import"),
                "file": (io.BytesIO(zipped({"zeros.csv": bytes(64 << 20)})), "halls.zip")}
        response = client.post("/planner/data/import", data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert "zip bomb" in response.get_data(as_text=True)
    finally:
        close_app(app)
