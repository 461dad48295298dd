const express = require("express");
const { greet } = require("@acme/greeting");

const app = express();

// `/api` itself and everything under it.
app.use("/api", (req, res) => {
  res.type("text/plain").send(`${greet("api")} at ${req.originalUrl.split("?")[0]}`);
});

const port = process.env.PORT || 3000;
app.listen(port, () => {
  console.log(`api listening on ${port}`);
});
