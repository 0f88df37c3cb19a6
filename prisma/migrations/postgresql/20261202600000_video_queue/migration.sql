-- CreateTable
CREATE TABLE "Queue" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '{}',
    "rules" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Queue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueAgent" (
    "userId" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'away',
    "queueIds" TEXT NOT NULL DEFAULT '[]',
    "skills" TEXT NOT NULL DEFAULT '{}',
    "stateSince" TIMESTAMP(3) NOT NULL,
    "readySince" TIMESTAMP(3),
    "answeredCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "QueueAgent_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "QueueEntry" (
    "id" TEXT NOT NULL,
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
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "overflowed" BOOLEAN NOT NULL DEFAULT false,
    "callbackOffered" BOOLEAN NOT NULL DEFAULT false,
    "passedBy" TEXT NOT NULL DEFAULT '[]',
    "offerCount" INTEGER NOT NULL DEFAULT 0,
    "assignedAgentId" TEXT,
    "answeredAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "surveyId" TEXT,

    CONSTRAINT "QueueEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueOffer" (
    "id" TEXT NOT NULL,
    "entryId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "offeredAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "QueueOffer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueEvent" (
    "id" TEXT NOT NULL,
    "entryId" TEXT,
    "queueId" TEXT,
    "agentId" TEXT,
    "type" TEXT NOT NULL,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "at" TIMESTAMP(3) NOT NULL,
    "surveyId" TEXT,

    CONSTRAINT "QueueEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QueueTimer" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "refId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QueueTimer_pkey" PRIMARY KEY ("id")
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
