from fastapi import FastAPI

server = FastAPI()
