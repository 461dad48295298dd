import http from "node:http";
http.createServer((q, s) => s.end("store")).listen(process.env.PORT);
