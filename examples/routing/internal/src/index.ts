import { Hono } from "hono";
