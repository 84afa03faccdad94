// What the action edits on GitHub is only what its token wrote. Anyone may comment
// on a pull request or open an issue, and issue forms apply labels on their own: a
// marker, a title or a label tells nothing about who wrote the text. The author's
// login must be the token's own identity, exactly: `<app>[bot]` is not the account
// `<app>`, and a deleted account (no author) is nobody's.

/** Whether the token whose identity (`viewer.login`) is given wrote it. */
export function writtenBy(
  item: { readonly author: string | undefined },
  identity: string
): boolean {
  return item.author === identity
}
