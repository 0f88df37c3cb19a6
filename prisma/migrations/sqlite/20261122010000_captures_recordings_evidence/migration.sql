-- AlterTable
ALTER TABLE "Claim" ADD COLUMN "policyEnd" DATETIME;
ALTER TABLE "Claim" ADD COLUMN "policyStart" DATETIME;

-- AlterTable
ALTER TABLE "Survey" ADD COLUMN "recordingConsent" TEXT;
ALTER TABLE "Survey" ADD COLUMN "recordingConsentAt" DATETIME;

-- CreateTable
CREATE TABLE "ChecklistTemplate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "claimType" TEXT NOT NULL,
    "items" TEXT NOT NULL,
    "updatedById" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Capture" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "surveyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "mediaType" TEXT NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "storageKey" TEXT NOT NULL,
    "thumbSmallKey" TEXT NOT NULL,
    "thumbLargeKey" TEXT NOT NULL,
    "capturedAt" DATETIME,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "exif" TEXT NOT NULL DEFAULT '{}',
    "gpsLat" REAL,
    "gpsLon" REAL,
    "gpsAccuracy" REAL,
    "scores" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "reasons" TEXT NOT NULL DEFAULT '[]',
    "modelSha256" TEXT NOT NULL,
    "overrideById" TEXT,
    "overrideReason" TEXT,
    "overrideAt" DATETIME,
    CONSTRAINT "Capture_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Recording" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "surveyId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "codec" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "durationMs" INTEGER,
    "byteSize" INTEGER,
    "sha256" TEXT,
    "continuity" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'recording',
    CONSTRAINT "Recording_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EvidencePackage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "surveyId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'building',
    "stage" TEXT,
    "progress" REAL NOT NULL DEFAULT 0,
    "storagePath" TEXT,
    "zipPath" TEXT,
    "manifestSha256" TEXT,
    "error" TEXT,
    "destroyAfter" DATETIME,
    "legalHold" BOOLEAN NOT NULL DEFAULT false,
    "disputeClosedAt" DATETIME,
    "purgedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "EvidencePackage_surveyId_fkey" FOREIGN KEY ("surveyId") REFERENCES "Survey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '{}'
);

-- CreateIndex
CREATE UNIQUE INDEX "ChecklistTemplate_claimType_key" ON "ChecklistTemplate"("claimType");

-- CreateIndex
CREATE INDEX "Capture_surveyId_itemKey_idx" ON "Capture"("surveyId", "itemKey");

-- CreateIndex
CREATE UNIQUE INDEX "Capture_surveyId_idempotencyKey_key" ON "Capture"("surveyId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Recording_surveyId_idx" ON "Recording"("surveyId");

-- CreateIndex
CREATE UNIQUE INDEX "EvidencePackage_surveyId_key" ON "EvidencePackage"("surveyId");

-- CreateIndex
CREATE INDEX "AuditLog_targetType_targetId_idx" ON "AuditLog"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "AuditLog_userId_idx" ON "AuditLog"("userId");

