from flask_smorest import Blueprint

blp = Blueprint("privacy", __name__, url_prefix="/api/v1")
