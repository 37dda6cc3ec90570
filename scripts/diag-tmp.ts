import { Sandbox, unpackRevision, restampRevision } from "./sandbox";
import { readFileSync } from "node:fs";
import { join } from "node:path";
(async () => {
  const sb = await Sandbox.create({ readyTimeoutSeconds: 10 });
  try {
    const base = unpackRevision("/work/wt-runtime/dist/bluegreen-revision.zip", join(sb.dir, "rev", "base"));
    await sb.deploy(restampRevision(base, join(sb.dir, "rev", "v0"), { version: "v0", commit: "c" }));
    for (let i = 1; i <= 4; i++) {
      let deploying = true; let n = 0;
      const load = (async () => { while (deploying) { n++; const t = Date.now();
        try { const r = await fetch(sb.nginxUrl + "/", { signal: AbortSignal.timeout(2000) }); await r.text(); if (!r.ok) console.log(new Date().toISOString(), "status", r.status); }
        catch (e: any) { console.log(new Date().toISOString(), "error", e.message, e.cause?.code, e.cause?.message, Date.now()-t); } } })();
      const res = await sb.deploy(restampRevision(base, join(sb.dir, "rev", "v"+i), { version: "v"+i, commit: "c" }));
      deploying = false; await load;
      console.log("deploy", i, res.ok, n);
      for (const run of res.runs) if (run.event === "ApplicationStart") console.log(run.output.split("\n").map(l => l.slice(0, 25) + l.slice(l.indexOf("]")+1)).join("\n"));
    }
    console.log(readFileSync(join(sb.dir, "nginx", "error.log"), "utf8").split("\n").filter(l => !l.includes("signal")).slice(-30).join("\n"));
  } finally { sb.stop(); }
})();
