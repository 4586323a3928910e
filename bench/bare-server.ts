/**
 * The baseline for HTTP throughput: a bare Express 5 app with fixed JSON routes (/ask, /search),
 * no middleware, returning a fixed body. Run as a child process by the bench
 * (node dist/bench/bare-server.js, PORT from the environment).
 */
import express from 'express';

const BODY = Object.freeze({ answer: 'fixed', grounded: true, citations: [] as const });

const app = express();
app.disable('x-powered-by');
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
app.all('/ask', (_req, res) => {
  res.json(BODY);
});
app.get('/search', (_req, res) => {
  res.json(BODY);
});

const port = Number(process.env['PORT'] ?? 0);
const server = app.listen(port, process.env['HOST'] ?? '127.0.0.1');
server.keepAliveTimeout = 5_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
