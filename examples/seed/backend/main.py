from fastapi import FastAPI

app = FastAPI()


@app.get("/users")
def users():
    return [{"id": 1, "name": "Ada"}]
