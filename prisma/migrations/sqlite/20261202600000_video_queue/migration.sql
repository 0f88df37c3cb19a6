-- CreateTable
CREATE TABLE "Queue" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '{}',
    "rules" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "QueueAgent" (
    "userId" TEXT NOT NULL PRIMARY KEY,
    "state" TEXT NOT NULL DEFAULT 'away',
    "queueIds" TEXT NOT NULL DEFAULT '[]',
    "skills" TEXT NOT NULL DEFAULT '{}',
    "stateSince" DATETIME NOT NULL,
    "readySince" DATETIME,
    "answeredCount" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "QueueEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "queueId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'waiting',
    "mode" TEXT NOT NULL DEFAULT 'live',
    "vip" BOOLEAN NOT NULL DEFAULT false,
    "policyNumber" TEXT,
    "plate" TEXT,
    "claimType" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "region" TEXT,
    "mobile" TEXT NOT NULL,
    "policyholderName" TEXT,
    "externalRef" TEXT,
    "preferredAgentId" TEXT,
    "stickyAgentId" TEXT,
    "tokenHash" TEXT NOT NULL,
    "enteredAt" DATETIME NOT NULL,
    "overflowed" BOOLEAN NOT NULL DEFAULT false,
    "callbackOffered" BOOLEAN NOT NULL DEFAULT false,
    "passedBy" TEXT NOT NULL DEFAULT '[]',
    "offerCount" INTEGER NOT NULL DEFAULT 0,
    "assignedAgentId" TEXT,
    "answeredAt" DATETIME,
    "endedAt" DATETIME,
    "surveyId" TEXT
);

-- CreateTable
CREATE TABLE "QueueOffer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "entryId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "offeredAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "answeredAt" DATETIME
);

-- CreateTable
CREATE TABLE "QueueEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "entryId" TEXT,
    "queueId" TEXT,
    "agentId" TEXT,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "at" DATETIME NOT NULL,
    "surveyId" TEXT
);

-- CreateTable
CREATE TABLE "QueueTimer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "refId" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Queue_name_key" ON "Queue"("name");

-- CreateIndex
CREATE INDEX "QueueAgent_state_idx" ON "QueueAgent"("state");

-- CreateIndex
CREATE UNIQUE INDEX "QueueEntry_tokenHash_key" ON "QueueEntry"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "QueueEntry_surveyId_key" ON "QueueEntry"("surveyId");

-- CreateIndex
CREATE INDEX "QueueEntry_status_queueId_idx" ON "QueueEntry"("status", "queueId");

-- CreateIndex
CREATE INDEX "QueueEntry_policyNumber_answeredAt_idx" ON "QueueEntry"("policyNumber", "answeredAt");

-- CreateIndex
CREATE INDEX "QueueEntry_plate_answeredAt_idx" ON "QueueEntry"("plate", "answeredAt");

-- CreateIndex
CREATE INDEX "QueueOffer_entryId_idx" ON "QueueOffer"("entryId");

-- CreateIndex
CREATE INDEX "QueueOffer_agentId_status_idx" ON "QueueOffer"("agentId", "status");

-- CreateIndex
CREATE INDEX "QueueEvent_entryId_idx" ON "QueueEvent"("entryId");

-- CreateIndex
CREATE INDEX "QueueEvent_queueId_at_idx" ON "QueueEvent"("queueId", "at");

-- CreateIndex
CREATE INDEX "QueueEvent_type_at_idx" ON "QueueEvent"("type", "at");

-- CreateIndex
CREATE UNIQUE INDEX "QueueTimer_kind_refId_key" ON "QueueTimer"("kind", "refId");

-- CreateIndex
CREATE INDEX "QueueTimer_dueAt_idx" ON "QueueTimer"("dueAt");
