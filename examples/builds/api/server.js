const app = require("express")();
app.get("/api/health", (_, res) => res.send("ok"));
app.listen(process.env.PORT);
