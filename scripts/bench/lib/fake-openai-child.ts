// The fake OpenAI API in a process of its own, so the load generator and the upstream do not share
// an event loop. Sends {baseUrl} over IPC once listening; stops on SIGTERM.

import { startFakeOpenAI } from "../../../test/fakes/openai";

async function main(): Promise<void> {
  const fake = await startFakeOpenAI();
  // The fake records every request; a benchmark sends tens of thousands, so keep the record short.
  const trim = setInterval(() => (fake.requests.length = 0), 1_000);
  process.once("SIGTERM", () => {
    clearInterval(trim);
    void fake.close().then(() => process.exit(0));
  });
  process.send!({ baseUrl: fake.baseUrl });
}

void main();
