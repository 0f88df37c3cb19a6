-- The phone's position with the consent, each photo and the signature (issue 15, point 4).
ALTER TABLE "Survey" ADD COLUMN "consentPlaceStatus" TEXT;
ALTER TABLE "Survey" ADD COLUMN "consentLat" REAL;
ALTER TABLE "Survey" ADD COLUMN "consentLon" REAL;
ALTER TABLE "Survey" ADD COLUMN "consentAccuracy" REAL;
ALTER TABLE "Survey" ADD COLUMN "consentPlaceAt" DATETIME;
ALTER TABLE "Capture" ADD COLUMN "gpsAt" DATETIME;
ALTER TABLE "Capture" ADD COLUMN "placeStatus" TEXT;
ALTER TABLE "StatementSignature" ADD COLUMN "placeStatus" TEXT;
ALTER TABLE "StatementSignature" ADD COLUMN "placeLat" REAL;
ALTER TABLE "StatementSignature" ADD COLUMN "placeLon" REAL;
ALTER TABLE "StatementSignature" ADD COLUMN "placeAccuracy" REAL;
ALTER TABLE "StatementSignature" ADD COLUMN "placeAt" DATETIME;
