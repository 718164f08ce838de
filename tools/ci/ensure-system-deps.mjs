#!/usr/bin/env node
// Makes sure the Debian packages the test suite drives are installed: real Kafka clients nobody here
// wrote (kcat, kafka-python, confluent-kafka-python with its codec modules). Installs what is missing
// when running as root with apt-get; otherwise prints the exact command and exits non-zero, so a
// missing tool is a clear message rather than a confusing test failure.
import { execFileSync, spawnSync } from 'node:child_process';

const required = [
  { pkg: 'kcat', check: () => has('kcat', ['-V']) },
  { pkg: 'python3-kafka', check: () => py('import kafka') },
  { pkg: 'python3-confluent-kafka', check: () => py('import confluent_kafka') },
  { pkg: 'python3-snappy', check: () => py('import snappy') },
  { pkg: 'python3-lz4', check: () => py('import lz4.frame') },
  { pkg: 'python3-zstandard', check: () => py('import zstandard') },
];

function has(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}
function py(code) {
  return has('/usr/bin/python3', ['-c', code]);
}

const missing = required.filter((r) => !r.check()).map((r) => r.pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && has('apt-get', ['--version'])) {
  console.log(`installing Debian packages the tests need: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch {
    console.error(`apt-get could not install: ${missing.join(' ')}`);
    process.exit(1);
  }
  const still = required.filter((r) => !r.check()).map((r) => r.pkg);
  if (still.length === 0) process.exit(0);
  console.error(`still missing after apt-get: ${still.join(' ')}`);
  process.exit(1);
}
console.error(
  `The test suite needs these Debian packages: ${missing.join(' ')}\n` +
    `Install them with:  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
);
process.exit(1);
