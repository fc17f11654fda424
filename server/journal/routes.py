from flask_smorest import Blueprint

blp = Blueprint("journal", __name__, url_prefix="/api/v1")
