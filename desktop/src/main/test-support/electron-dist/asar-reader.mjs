// Reads one file from an asar archive, as Electron's own fs does for paths inside `app.asar` (the
// stand-in Electron distribution only: plain Node cannot read the archive electron-builder packs).
// Format (@electron/asar): UInt32LE 4, UInt32LE size of the header pickle; the pickle holds a UInt32
// payload size and a UInt32-length-prefixed JSON tree ({files: {name: {files} | {size, offset, unpacked?}}});
// file data follows the header at 8 + header size + offset; unpacked files live in `<archive>.unpacked/`.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

const headers = new Map();

function headerOf(archive) {
  let cached = headers.get(archive);
  if (cached) return cached;
  const fd = openSync(archive, 'r');
  try {
    const sizes = Buffer.alloc(8);
    readSync(fd, sizes, 0, 8, 0);
    const headerSize = sizes.readUInt32LE(4);
    const pickle = Buffer.alloc(headerSize);
    readSync(fd, pickle, 0, headerSize, 8);
    const tree = JSON.parse(pickle.toString('utf8', 8, 8 + pickle.readUInt32LE(4)));
    cached = { tree, dataStart: 8 + headerSize };
  } finally {
    closeSync(fd);
  }
  headers.set(archive, cached);
  return cached;
}

/** The bytes of `file` (a `/`-separated path inside the archive); throws ENOENT-like errors. */
export function readAsarFile(archive, file) {
  const { tree, dataStart } = headerOf(archive);
  let entry = tree;
  for (const part of file.split('/').filter(Boolean)) {
    entry = entry.files?.[part];
    if (!entry) throw new Error(`ENOENT: ${file} is not in ${archive}`);
  }
  if (entry.files || entry.size === undefined)
    throw new Error(`EISDIR: ${file} in ${archive} is a directory`);
  if (entry.unpacked) return readFileSync(join(`${archive}.unpacked`, file));
  const data = Buffer.alloc(entry.size);
  if (entry.size === 0) return data;
  const fd = openSync(archive, 'r');
  try {
    readSync(fd, data, 0, entry.size, dataStart + Number(entry.offset));
  } finally {
    closeSync(fd);
  }
  return data;
}

/** Splits an absolute path at its `.asar` segment: `[archive, inner]`, or undefined outside any archive. */
export function splitAsarPath(path) {
  const match = /^(.*?\.asar)(?:\/(.*))?$/.exec(path);
  return match ? [match[1], match[2] ?? ''] : undefined;
}

/** Every file in the archive, as `/`-separated paths from its root, sorted. */
export function listAsarFiles(archive) {
  const files = [];
  const walk = (entry, prefix) => {
    for (const [name, child] of Object.entries(entry.files ?? {})) {
      if (child.files) walk(child, `${prefix}${name}/`);
      else files.push(`${prefix}${name}`);
    }
  };
  walk(headerOf(archive).tree, '');
  return files.sort();
}
