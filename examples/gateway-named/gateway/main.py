from fastapi import FastAPI

app = FastAPI()


@app.get("/{rest:path}")
def hello(rest: str):
    return {"service": "gateway", "path": rest}
