"""Workshop pages (placeholder while being built)."""
from flask import Blueprint

bp = Blueprint("workshops", __name__, template_folder="templates")


@bp.get("/w/<code>")
def join(code: str):
    return code


@bp.get("/workshops/<code>/screen")
def screen(code: str):
    return code
