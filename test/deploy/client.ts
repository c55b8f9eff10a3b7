// A client on "the internet" of the deploy test, run as its own process with the local CA trusted
// (NODE_EXTRA_CA_CERTS) and the domain resolved to the server (pin-host.cjs): the official `openai`
// client against the deployed gateway through Caddy. Prints one JSON line with what it saw.
//   node --require test/deploy/pin-host.cjs --import tsx test/deploy/client.ts <baseURL> <key>

import OpenAI from "openai";

async function main(): Promise<void> {
  const [baseURL, apiKey] = process.argv.slice(2);
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
  const completion = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "Say hi" }] });
  const stream = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "Count to five" }], stream: true });
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk.choices[0]?.delta?.content ?? "");
  const health = await fetch(new URL("/healthz", baseURL));
  process.stdout.write(
    `${JSON.stringify({
      content: completion.choices[0]?.message.content ?? "",
      finish: completion.choices[0]?.finish_reason,
      chunks,
      hsts: health.headers.get("strict-transport-security"),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })}\n`);
  process.exitCode = 1;
});
