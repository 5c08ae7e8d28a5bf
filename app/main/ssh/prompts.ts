// What connecting to a host may need to ask the operator: secrets the ssh layer cannot know.
/** Questions that only the operator can answer, asked through the contract. */
export interface Prompts {
  passphrase?(keyFile: string): Promise<string | undefined>;
  password?(target: string): Promise<string | undefined>;
  /**
   * The key or the host refused the secret given for `subject`: forget it. True when it was a
   * kept one (not just typed), so asking the operator once more is worth it.
   */
  rejected?(kind: 'password' | 'passphrase', subject: string): boolean;
}
