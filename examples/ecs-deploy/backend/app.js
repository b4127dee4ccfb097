// The goals API: /health and /goals (would store goals in MongoDB at MONGODB_URL).
const http = require("http");
const goals = [];
http
  .createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    if (req.url === "/health") return res.end(JSON.stringify({ status: "ok" }));
    if (req.url.startsWith("/goals")) return res.end(JSON.stringify({ goals }));
    res.statusCode = 404;
    res.end(JSON.stringify({ error: "not found" }));
  })
  .listen(3000, "0.0.0.0");
