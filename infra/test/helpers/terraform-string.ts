/**
 * Reads back the user data the stacks hand to Terraform: `${join("", [...])}`, optionally inside
 * `${base64encode(...)}`, whose items are HCL string literals and bare references. The result is the text
 * the VM will receive, with each reference written as `${reference}`.
 *
 * This is an independent reading of HCL's quoted-string rules (\\ \" \n \r \t, $${ and %%{), so a test that
 * round-trips through it checks the escaping in lib/bootstrap/terraform-string.ts, not a copy of it.
 */
export interface DecodedString {
  text: string;
  base64: boolean;
  references: string[];
}

export function decodeTerraformString(expression: string): DecodedString {
  let body = expression;
  if (!body.startsWith('${') || !body.endsWith('}')) throw new Error(`not an interpolation: ${expression.slice(0, 60)}`);
  body = body.slice(2, -1);
  let base64 = false;
  if (body.startsWith('base64encode(') && body.endsWith(')')) {
    base64 = true;
    body = body.slice('base64encode('.length, -1);
  }
  const prefix = 'join("", [';
  if (!body.startsWith(prefix) || !body.endsWith('])')) throw new Error(`not a join expression: ${body.slice(0, 60)}`);
  body = body.slice(prefix.length, -2);

  let text = '';
  const references: string[] = [];
  let i = 0;
  while (i < body.length) {
    const char = body[i]!;
    if (char === ',' || char === ' ') {
      i++;
    } else if (char === '"') {
      i++;
      while (body[i] !== '"') {
        if (i >= body.length) throw new Error('unterminated string literal');
        const c = body[i]!;
        if (c === '\\') {
          const next = body[i + 1]!;
          const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
          if (!(next in escapes)) throw new Error(`invalid HCL escape \\${next}`);
          text += escapes[next];
          i += 2;
        } else if (body.startsWith('$${', i)) {
          text += '${';
          i += 3;
        } else if (body.startsWith('%%{', i)) {
          text += '%{';
          i += 3;
        } else if (body.startsWith('${', i) || body.startsWith('%{', i)) {
          throw new Error(`unescaped template sequence in a literal at ${body.slice(i, i + 20)}`);
        } else {
          text += c;
          i++;
        }
      }
      i++;
    } else {
      // A bare reference runs to the next top-level comma; it may index a list (`network_interface[0]`).
      let end = i;
      let depth = 0;
      while (end < body.length && !(depth === 0 && body[end] === ',')) {
        if (body[end] === '[') depth++;
        if (body[end] === ']') depth--;
        end++;
      }
      const reference = body.slice(i, end).trim();
      references.push(reference);
      text += `\${${reference}}`;
      i = end;
    }
  }
  return { text, base64, references };
}
