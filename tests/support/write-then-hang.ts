// Child process for the crash test: commits three rows, then stops in the middle of a fourth
// transaction and waits to be killed.
import { openProject } from '../../src/core/project/project.ts';

const project = openProject(process.argv[2] as string);
for (let i = 0; i < 3; i++) project.db.prepare('INSERT INTO folders (path) VALUES (?)').run(`/committed/${i}`);
project.db.exec('BEGIN IMMEDIATE');
for (let i = 0; i < 1000; i++) project.db.prepare('INSERT INTO folders (path) VALUES (?)').run(`/uncommitted/${i}`);
process.stdout.write('mid-write\n');
setInterval(() => {}, 1000);
