/** A hash router: every page has a deep link, and the server only ever serves /console/. */
import { signal } from '@preact/signals';

const current = () => decodeURI(location.hash.replace(/^#/, '') || '/');
export const route = signal(current());
window.addEventListener('hashchange', () => {
  route.value = current();
});

export const href = (path: string) => `#${encodeURI(path)}`;
export function go(path: string): void {
  location.hash = encodeURI(path);
}
