// Stand-in for the React app under pm2: serves the build and a /health endpoint.
const http = require("http");
const fs = require("fs");
const index = fs.readFileSync(__dirname + "/dist/index.html");
http
  .createServer((req, res) => {
    if (req.url === "/health") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status: "ok" }));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(index);
  })
  .listen(3000, "0.0.0.0");
