-- The phone's position with the consent, each photo and the signature (issue 15, point 4).
ALTER TABLE "Survey" ADD COLUMN "consentPlaceStatus" TEXT,
ADD COLUMN "consentLat" DOUBLE PRECISION,
ADD COLUMN "consentLon" DOUBLE PRECISION,
ADD COLUMN "consentAccuracy" DOUBLE PRECISION,
ADD COLUMN "consentPlaceAt" TIMESTAMP(3);

ALTER TABLE "Capture" ADD COLUMN "gpsAt" TIMESTAMP(3),
ADD COLUMN "placeStatus" TEXT;

ALTER TABLE "StatementSignature" ADD COLUMN "placeStatus" TEXT,
ADD COLUMN "placeLat" DOUBLE PRECISION,
ADD COLUMN "placeLon" DOUBLE PRECISION,
ADD COLUMN "placeAccuracy" DOUBLE PRECISION,
ADD COLUMN "placeAt" TIMESTAMP(3);
