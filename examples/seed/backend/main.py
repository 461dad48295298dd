from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
def root():
    return "hello from my_backend"


@app.get("/users")
def users():
    return [{"id": 1, "name": "Ada"}]
