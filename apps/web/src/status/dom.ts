/** Just enough DOM building for one small page: `h('p', { class: 'x' }, 'text', child)`. */
export type Child = Node | string | number | false | null | undefined;
type Props = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows, keeping keyboard focus on the element with the same id when it is still there. */
export function replace(parent: Element, children: Child[]): void {
  const focusedId = document.activeElement && parent.contains(document.activeElement) ? document.activeElement.id : '';
  parent.replaceChildren();
  append(parent, children);
  if (focusedId) document.getElementById(focusedId)?.focus();
}
