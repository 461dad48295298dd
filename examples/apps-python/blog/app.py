from flask import Flask, request

app = Flask(__name__)


@app.route("/blog")
@app.route("/blog/<path:rest>")
def blog(rest=None):
    return f"hello from blog at {request.path}\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
