// The goals API: /health and /goals (would store goals in MongoDB at MONGODB_URL). Its settings come
// from /etc/goals/settings.json, a config the stack ships with the deployment (stack.toml).
const fs = require("fs");
const http = require("http");
const goals = [];
let settings = {};
try {
  settings = JSON.parse(fs.readFileSync("/etc/goals/settings.json", "utf8"));
} catch (e) {
  console.error(`no settings (${e.message}); using defaults`);
}
http
  .createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    if (req.url === "/health") return res.end(JSON.stringify({ status: "ok" }));
    if (req.url.startsWith("/goals")) {
      return res.end(JSON.stringify({ goals, maxGoals: settings.maxGoals ?? 10, welcome: settings.welcome }));
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: "not found" }));
  })
  .listen(3000, "0.0.0.0");
