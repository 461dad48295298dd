const express = require("express");

const app = express();

app.use((req, res) => res.send("hello from express-api at " + req.path));

// Vercel's style: the platform serves the exported app; no `listen` here.
module.exports = app;
