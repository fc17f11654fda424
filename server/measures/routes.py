from flask_smorest import Blueprint

blp = Blueprint("measures", __name__, url_prefix="/api/v1")
