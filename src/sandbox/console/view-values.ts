import type { ViewValues } from '../slack-payloads.ts';

/** What the sandbox's form sends: per input block, the text typed or the option values picked. */
export type FormFields = Record<string, string | string[]>;

interface Option {
  text: unknown;
  value: string;
}
interface Element {
  type: string;
  action_id: string;
  options?: Option[];
}
interface InputBlock {
  type: string;
  block_id?: string;
  element?: Element;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const picked = (el: Element, v: string | string[] | undefined) =>
  (el.options ?? []).filter((o) => list(v).includes(o.value));

/** Each input element's submitted state in Slack's shape, by element type. */
const STATE: Record<string, (el: Element, v: string | string[] | undefined) => Record<string, unknown>> = {
  plain_text_input: (_el, v) => ({ value: list(v)[0] || null }),
  static_select: (el, v) => ({ selected_option: picked(el, v)[0] ?? null }),
  multi_static_select: (el, v) => ({ selected_options: picked(el, v) }),
  checkboxes: (el, v) => ({ selected_options: picked(el, v) }),
  radio_buttons: (el, v) => ({ selected_option: picked(el, v)[0] ?? null }),
  users_select: (_el, v) => ({ selected_user: list(v)[0] || null }),
};

/**
 * Turns what a person filled in into `view.state.values` as Slack sends it: only the view's own
 * input blocks, and for selects only options the view offered (anything else is dropped, as
 * Slack's client could not have sent it).
 */
export function viewStateValues(view: { blocks?: unknown[] }, fields: FormFields): ViewValues {
  const values: ViewValues = {};
  for (const block of (view.blocks ?? []) as InputBlock[]) {
    const el = block.element;
    if (block.type !== 'input' || !block.block_id || !el) continue;
    const state = STATE[el.type];
    if (!state) continue;
    values[block.block_id] = { [el.action_id]: { type: el.type, ...state(el, fields[block.block_id]) } };
  }
  return values;
}
