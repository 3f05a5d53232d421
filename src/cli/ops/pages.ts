/** Every page of a listing that answers with `nextToken`. */
export async function allPages<T>(page: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const p = await page(nextToken);
    items.push(...p.items);
    nextToken = p.nextToken;
  } while (nextToken);
  return items;
}
