from flask_smorest import Blueprint

blp = Blueprint("care", __name__, url_prefix="/api/v1")
