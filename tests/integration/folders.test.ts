import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RelativePathError } from '../../src/core/files/absolute-path.ts';
import { FolderError, addFolder, isInside, nestedFolders } from '../../src/core/library/folders.ts';
import { createProject, type Project } from '../../src/core/project/project.ts';
import { pixels } from '../support/images.ts';
import { rows, scanFolders } from '../support/scan.ts';
import { tempDir } from '../support/temp.ts';

describe('registering folders', () => {
  const root = realpathSync(tempDir());
  const imgs = join(root, 'imgs');
  const sub = join(imgs, 'sub');
  let project: Project;
  const folderCount = () => (project.db.prepare('SELECT count(*) AS n FROM folders').get() as { n: number }).n;
  const refusal = (path: string) => {
    try {
      addFolder(project.db, path);
    } catch (error) {
      expect(error).toBeInstanceOf(FolderError);
      return (error as Error).message;
    }
    throw new Error(`${path} was registered`);
  };

  beforeAll(async () => {
    mkdirSync(join(sub, 'deeper'), { recursive: true });
    mkdirSync(join(root, 'imgs2'));
    mkdirSync(join(root, 'other', 'inner'), { recursive: true });
    await pixels(20, 20, 1).png().toFile(join(imgs, 'a.png'));
    await pixels(20, 20, 1).png().toFile(join(sub, 'copy-of-a.png'));
    symlinkSync(sub, join(root, 'link-to-sub'));
    symlinkSync(imgs, join(root, 'link-to-imgs'));
    project = createProject(join(root, 'project'));
  });

  it('tells path components apart from string prefixes', () => {
    expect(isInside('/x/imgs/sub', '/x/imgs')).toBe(true);
    expect(isInside('/x/imgs', '/x/imgs')).toBe(false);
    expect(isInside('/x/imgs2', '/x/imgs')).toBe(false);
    expect(isInside('/x', '/x/imgs')).toBe(false);
    expect(isInside('/x/imgs', '/')).toBe(true);
  });

  it('registers a folder once, however it is reached', () => {
    const first = addFolder(project.db, imgs);
    expect(addFolder(project.db, `${imgs}/`)).toEqual(first);
    expect(addFolder(project.db, join(root, 'link-to-imgs'))).toEqual(first);
    expect(folderCount()).toBe(1);
  });

  it('refuses a relative path instead of resolving it against the working directory', () => {
    expect(() => addFolder(project.db, 'imgs')).toThrow(new RelativePathError('The folder must be an absolute path (got "imgs").'));
    expect(folderCount()).toBe(1);
  });

  it('refuses a folder inside a registered one, also through a link, naming the folder that covers it', async () => {
    for (const inner of [sub, join(sub, 'deeper'), join(root, 'link-to-sub')]) {
      const message = refusal(inner);
      expect(message).toContain(`is inside the registered folder #1 ${imgs}`);
      expect(message).toContain('rescan the project');
    }
    expect(folderCount()).toBe(1);
    await scanFolders(project);
    expect([...rows(project).keys()]).toEqual(['a.png', 'sub/copy-of-a.png']);
    expect(rows(project).get('a.png')?.duplicate_count).toBe(2);
  });

  it('refuses a folder that holds a registered one, and says what to do instead', () => {
    const message = refusal(root);
    expect(message).toContain(`${root} holds the registered folder #1 ${imgs}`);
    expect(message).toContain('one by one');
    expect(folderCount()).toBe(1);
  });

  it('accepts a folder beside a registered one whose name merely starts the same', () => {
    expect(addFolder(project.db, join(root, 'imgs2')).id).toBe(2);
    expect(nestedFolders(project.db)).toEqual([]);
  });

  it('rescans a project made before overlaps were refused, and says which folders overlap', async () => {
    // Such projects exist: insert the nested folder as the old code did.
    project.db.prepare('INSERT INTO folders (path) VALUES (?)').run(sub);
    expect(nestedFolders(project.db)).toEqual([{ inner: { id: 3, path: sub }, outer: { id: 1, path: imgs } }]);
    const { job } = await scanFolders(project);
    expect(job.state).toBe('done');
    expect(job.message).toContain(`#3 ${sub} is inside #1 ${imgs}`);
  });
});
