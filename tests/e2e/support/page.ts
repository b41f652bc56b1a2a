// Reading the Library view the way a user sees it, through roles and labels.
import type { Locator, Page } from 'playwright-core';

export function tab(page: Page, label: string): Locator {
  return page.getByRole('tab', { name: new RegExp(`^${label}\\b`) });
}

export async function shownCount(page: Page, label: string): Promise<number> {
  const text = await tab(page, label).locator('[data-role=count]').textContent();
  return Number((text ?? '').replace(/,/g, ''));
}

export function grid(page: Page): Locator {
  return page.getByRole('listbox', { name: 'Images' });
}

export function tiles(page: Page): Locator {
  return grid(page).getByRole('option');
}

export function tileFor(page: Page, relPath: string): Locator {
  return grid(page).getByRole('option', { name: new RegExp(`^${relPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`) });
}

/** Resolves once every thumbnail in the grid has finished loading or failed. */
export async function thumbnailsSettled(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>('[role=listbox] [role=option] img')].every((img) => img.complete),
  );
}

export function detail(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Image details' });
}

/** The value cell of a row in the image's property table. */
export function detailField(page: Page, label: string): Locator {
  const header = page.getByRole('rowheader', { name: label, exact: true });
  return detail(page).getByRole('table', { name: 'Image properties' }).getByRole('row').filter({ has: header }).getByRole('cell');
}
