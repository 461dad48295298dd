import Fastify from "fastify";
const app = Fastify();
app.listen({ port: Number(process.env.PORT), host: "0.0.0.0" });
