import express from "express";

const app = express();

app.get("/api/inventory", async (req, res) => {
  const upstream = await fetch(new URL("/", process.env.INVENTORY_URL));
  const body = await upstream.text();
  res.type("text/plain").send(`api got: ${body}`);
});

// `/api` itself and everything under it.
app.use("/api", (req, res) => {
  res.type("text/plain").send(`hello from api at ${req.originalUrl.split("?")[0]}`);
});

// Vercel's style: the platform serves the exported app; no `listen` here.
export default app;
