// Stills kept on the phone (IndexedDB) until the server has acknowledged the
// original's SHA-256: a reload, a crash of the tab or a long outage loses
// nothing, and the page finds them again when it opens. One object store,
// keyed by the photo's key (its idempotency key on the server).
import type { ProvisionalCaptureWire } from "../../../server/signalling/protocol";
import type { PlaceReport } from "../../../server/domain/place-report";

export interface StoredStill {
  key: string;
  /** Which invite link took it (a hash of the link): only that link's page resumes it. */
  scope: string;
  itemKey: string;
  capturedAt: string;
  /** The phone's position when the photo was taken, or why there is none; null until it comes. */
  place: PlaceReport | null;
  /** What a page from before `place` stored (position only). */
  gps?: { lat: number; lon: number; accuracy: number } | null;
  original: Blob;
  sha256: string;
  compact: Blob | null;
  /** The tus upload's URL once the server has created it: resuming asks it how far it got. */
  uploadUrl: string | null;
  provisional: ProvisionalCaptureWire | null;
  /** The quick check was refused for good (bad copy): the original's verdict still comes. */
  provisionalFailed: boolean;
  createdAt: number;
}

const DB_NAME = "claims-survey-photos";
const STORE = "stills";

let opening: Promise<IDBDatabase> | null = null;
function db(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: "key" });
      store.createIndex("scope", "scope");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }).catch((err: unknown) => {
    opening = null;
    throw err;
  });
  return opening;
}

function run<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return db().then(
    (d) =>
      new Promise<T>((resolve, reject) => {
        const tx = d.transaction(STORE, mode);
        const req = fn(tx.objectStore(STORE));
        // Resolved once the transaction is durable, not just when the request succeeded.
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }),
  );
}

export const putStill = (still: StoredStill) => run("readwrite", (s) => s.put(still)).then(() => undefined);
export const getStill = (key: string) => run<StoredStill | undefined>("readonly", (s) => s.get(key));
export const deleteStill = (key: string) => run("readwrite", (s) => s.delete(key)).then(() => undefined);
export const stillsFor = (scope: string) => run<StoredStill[]>("readonly", (s) => s.index("scope").getAll(scope)).then((all) => all.sort((a, b) => a.createdAt - b.createdAt));

/** Read and write in one transaction: two updates of the same still at once (its position, its quick verdict) both stand. */
export function updateStill(key: string, patch: Partial<StoredStill>): Promise<StoredStill | undefined> {
  return db().then(
    (d) =>
      new Promise<StoredStill | undefined>((resolve, reject) => {
        const tx = d.transaction(STORE, "readwrite");
        const store = tx.objectStore(STORE);
        let next: StoredStill | undefined;
        const req = store.get(key);
        req.onsuccess = () => {
          const still = req.result as StoredStill | undefined;
          if (!still) return;
          next = { ...still, ...patch };
          store.put(next);
        };
        tx.oncomplete = () => resolve(next);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }),
  );
}
