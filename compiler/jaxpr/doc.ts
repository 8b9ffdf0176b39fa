// A small document layout engine with the semantics of JAX's pretty printer (0.4.1):
// a group is laid flat iff its own flat width fits in what is left of the line; text
// after the group is not counted, and text never breaks.

export type Doc =
  | { kind: "text"; text: string }
  | { kind: "brk"; text: string }
  | { kind: "concat"; children: Doc[] }
  | { kind: "nest"; n: number; child: Doc }
  | { kind: "group"; child: Doc };

export const text = (t: string): Doc => ({ kind: "text", text: t });
export const brk = (t = " "): Doc => ({ kind: "brk", text: t });
export const concat = (...children: Doc[]): Doc => ({ kind: "concat", children });
export const nest = (n: number, child: Doc): Doc => ({ kind: "nest", n, child });
export const group = (child: Doc): Doc => ({ kind: "group", child });
export const nil: Doc = concat();

export function join(sep: Doc, docs: Doc[]): Doc {
  const out: Doc[] = [];
  docs.forEach((d, i) => {
    if (i > 0) out.push(sep);
    out.push(d);
  });
  return concat(...out);
}

/** Whether `doc` laid flat takes at most `width` columns. */
function fits(doc: Doc, width: number): boolean {
  const stack: Doc[] = [doc];
  while (stack.length > 0) {
    if (width < 0) return false;
    const d = stack.pop()!;
    switch (d.kind) {
      case "text":
      case "brk":
        width -= d.text.length;
        break;
      case "concat":
        for (let i = d.children.length - 1; i >= 0; i--) stack.push(d.children[i]!);
        break;
      case "nest":
      case "group":
        stack.push(d.child);
        break;
    }
  }
  return width >= 0;
}

export function format(doc: Doc, width = 80): string {
  type Item = { indent: number; flat: boolean; doc: Doc };
  const agenda: Item[] = [{ indent: 0, flat: false, doc }];
  let out = "";
  let col = 0;
  while (agenda.length > 0) {
    const { indent, flat, doc: d } = agenda.pop()!;
    switch (d.kind) {
      case "text":
        out += d.text;
        col += d.text.length;
        break;
      case "brk":
        if (flat) {
          out += d.text;
          col += d.text.length;
        } else {
          out += "\n" + " ".repeat(indent);
          col = indent;
        }
        break;
      case "concat":
        for (let i = d.children.length - 1; i >= 0; i--) agenda.push({ indent, flat, doc: d.children[i]! });
        break;
      case "nest":
        agenda.push({ indent: indent + d.n, flat, doc: d.child });
        break;
      case "group":
        agenda.push({ indent, flat: flat || fits(d.child, width - col), doc: d.child });
        break;
    }
  }
  return out;
}
