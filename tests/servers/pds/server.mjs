// A real Bluesky PDS for the test suite, with an in-memory PLC directory beside it.
//
// Run with Node >= 22 (install.sh fetches one from npm). Both servers listen on 127.0.0.1 only.
// Environment (all optional):
//   PDS_PORT, PLC_PORT          ports to listen on; unset or 0 = a free one
//   PDS_DATA_DIR                folder for the SQLite databases and blobs; unset = a new temp folder,
//                               removed on exit (a given folder is left for the caller to remove)
//   PDS_STOP_ON_STDIN_EOF=1     also stop when stdin closes, so a parent that dies (even by SIGKILL)
//                               never leaves the server running
// When both servers listen, prints ONE JSON line on stdout:
//   {"pds":"http://127.0.0.1:PORT","plc":"http://127.0.0.1:PORT2","pid":N}
// and stops cleanly on SIGTERM or SIGINT. Logs stay off (LOG_ENABLED unset) so stdout stays parseable.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

import { envToCfg, envToSecrets, PDS } from '@atproto/pds'
import plcServer from '@did-plc/server'

const HOST = '127.0.0.1'

// Express's app.listen(port) binds every interface; both servers call it with a port alone, so
// add the loopback host. Wrapping the instance's listen keeps the PDS's own wrapper (which
// attaches the websocket upgrade handler) in the chain.
const listenOnLoopback = (app) => {
  const listen = app.listen
  app.listen = (port, ...rest) => listen.call(app, port, HOST, ...rest)
}

// The PDS needs its port before it starts (it is part of its public URL), so ask the OS for a
// free one. The gap between closing this probe and the PDS binding is tiny; a clash fails loudly.
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, HOST, () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })

const portFromEnv = async (name) => Number(process.env[name] || 0) || (await freePort())

const ownDataDir = !process.env.PDS_DATA_DIR
const dataDir = process.env.PDS_DATA_DIR || mkdtempSync(path.join(tmpdir(), 'campaign-pds-'))

const plcPort = await portFromEnv('PLC_PORT')
const plc = plcServer.PlcServer.create({ db: plcServer.Database.mock(), port: plcPort })
listenOnLoopback(plc.app)
await plc.start()

const pdsPort = await portFromEnv('PDS_PORT')
const env = {
  devMode: true, // http URLs, relaxed secrets
  hostname: 'localhost', // public URL http://localhost:PORT; service DID did:web:localhost
  port: pdsPort,
  dataDirectory: dataDir,
  blobstoreDiskLocation: path.join(dataDir, 'blobs'),
  didPlcUrl: `http://${HOST}:${plcPort}`,
  serviceHandleDomains: ['.test'], // handles like alice.test
  inviteRequired: false,
  crawlers: [], // no relay to notify
  // No bskyAppView: app.bsky.* reads are not served, records are read back with com.atproto.repo.*
  // Throwaway secrets: this server lives for one test session and holds only test data.
  jwtSecret: randomBytes(16).toString('hex'),
  adminPassword: randomBytes(16).toString('hex'),
  plcRotationKeyK256PrivateKeyHex: randomBytes(32).toString('hex'),
}
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
listenOnLoopback(pds.app)
await pds.start()

let stopping = false
const stop = async (code) => {
  if (stopping) return
  stopping = true
  // Never hang the caller: if a clean stop stalls, exit anyway.
  setTimeout(() => process.exit(code), 5000).unref()
  try {
    await pds.destroy()
    await plc.destroy()
  } finally {
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true })
    process.exit(code)
  }
}
process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
if (process.env.PDS_STOP_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => stop(0))
  process.stdin.on('error', () => stop(0))
  process.stdin.resume()
}

process.stdout.write(
  JSON.stringify({ pds: `http://${HOST}:${pdsPort}`, plc: `http://${HOST}:${plcPort}`, pid: process.pid }) + '\n',
)
