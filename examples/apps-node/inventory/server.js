const http = require("node:http");

const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://localhost").pathname;
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
  res.end(`hello from inventory at ${path}`);
});

// Deliberately hard-coded: this service ignores $PORT.
server.listen(3000);
