"""The demo practice's clinical bundles as text tables (parsed by services.demo_conditions).

Medications use formulary generic names and strengths; conditions use real ICD-10-CM
codes with their official descriptions; labs use LOINC codes. Nothing here is about a
real person.
"""

from __future__ import annotations

# name | strength | form | route | dose and unit | frequency | quantity and unit [| key=value]
MED_TEXT = """
lisinopril | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
amlodipine | 5 mg | tablet | oral | 1 tablet | daily | 90 tablet
amlodipine | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
losartan | 50 mg | tablet | oral | 1 tablet | daily | 90 tablet
hydrochlorothiazide | 25 mg | tablet | oral | 1 tablet | daily | 90 tablet
hydrochlorothiazide | 12.5 mg | capsule | oral | 1 capsule | daily | 90 capsule
metformin | 500 mg | tablet | oral | 1 tablet | twice daily | 180 tablet
metformin | 1000 mg | tablet | oral | 1 tablet | twice daily | 180 tablet
empagliflozin | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
glipizide | 5 mg | tablet | oral | 1 tablet | daily | 90 tablet
semaglutide | 0.5 mg/dose | pen injector | subcutaneous | 0.5 mg | weekly | 1 pen
atorvastatin | 20 mg | tablet | oral | 1 tablet | daily | 90 tablet
atorvastatin | 40 mg | tablet | oral | 1 tablet | daily | 90 tablet
atorvastatin | 80 mg | tablet | oral | 1 tablet | daily | 90 tablet
rosuvastatin | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
albuterol | 90 mcg/actuation | inhalation aerosol | inhalation | 2 puff | every 4 hours
  | 1 inhaler | prn=wheezing or shortness of breath | min_age=2
fluticasone/salmeterol | 250 mcg/50 mcg | inhalation powder | inhalation | 1 inhalation
  | twice daily | 1 inhaler
budesonide/formoterol | 160 mcg/4.5 mcg | inhalation aerosol | inhalation | 2 puff | twice daily
  | 1 inhaler
levothyroxine | 50 mcg | tablet | oral | 1 tablet | every morning | 90 tablet
levothyroxine | 75 mcg | tablet | oral | 1 tablet | every morning | 90 tablet
levothyroxine | 100 mcg | tablet | oral | 1 tablet | every morning | 90 tablet
omeprazole | 20 mg | delayed-release capsule | oral | 1 capsule | daily | 90 capsule
pantoprazole | 40 mg | delayed-release tablet | oral | 1 tablet | daily | 90 tablet
sertraline | 50 mg | tablet | oral | 1 tablet | daily | 90 tablet
escitalopram | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
fluoxetine | 20 mg | capsule | oral | 1 capsule | daily | 90 capsule
bupropion | 150 mg | extended-release tablet | oral | 1 tablet | daily | 90 tablet
buspirone | 10 mg | tablet | oral | 1 tablet | twice daily | 180 tablet
acetaminophen | 500 mg | tablet | oral | 2 tablet | three times daily | 180 tablet | prn=knee pain
meloxicam | 7.5 mg | tablet | oral | 1 tablet | daily | 90 tablet
apixaban | 5 mg | tablet | oral | 1 tablet | twice daily | 180 tablet
warfarin | 5 mg | tablet | oral | 1 tablet | daily | 90 tablet
metoprolol succinate | 50 mg | extended-release tablet | oral | 1 tablet | daily | 90 tablet
metoprolol succinate | 25 mg | extended-release tablet | oral | 1 tablet | daily | 90 tablet
diltiazem | 120 mg | extended-release capsule | oral | 1 capsule | daily | 90 capsule
tiotropium | 18 mcg | inhalation powder | inhalation | 1 capsule | daily | 90 capsule
sumatriptan | 50 mg | tablet | oral | 1 tablet | once | 9 tablet | prn=migraine
topiramate | 25 mg | tablet | oral | 1 tablet | twice daily | 180 tablet
cyclobenzaprine | 10 mg | tablet | oral | 1 tablet | at bedtime | 20 tablet | prn=muscle spasm
naproxen | 500 mg | tablet | oral | 1 tablet | twice daily | 40 tablet | prn=back pain
cholecalciferol | 2000 units | tablet | oral | 1 tablet | daily | 90 tablet
ferrous sulfate | 325 mg | tablet | oral | 1 tablet | daily | 90 tablet
tamsulosin | 0.4 mg | capsule | oral | 1 capsule | at bedtime | 90 capsule
alendronate | 70 mg | tablet | oral | 1 tablet | weekly | 12 tablet
aspirin | 81 mg | delayed-release tablet | oral | 1 tablet | daily | 90 tablet
furosemide | 40 mg | tablet | oral | 1 tablet | daily | 90 tablet
carvedilol | 6.25 mg | tablet | oral | 1 tablet | twice daily | 180 tablet
spironolactone | 25 mg | tablet | oral | 1 tablet | daily | 90 tablet
allopurinol | 300 mg | tablet | oral | 1 tablet | daily | 90 tablet
cetirizine | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
loratadine | 10 mg | tablet | oral | 1 tablet | daily | 90 tablet
fluticasone | 50 mcg/spray | nasal spray | nasal | 2 spray | daily | 1 bottle
fluticasone | 0.05% | cream | topical | 1 application | twice daily | 1 tube | min_age=2
amoxicillin | 500 mg | capsule | oral | 1 capsule | three times daily | 30 capsule | days=10
azithromycin | 250 mg | tablet | oral | 1 tablet | daily | 5 tablet | days=5
nitrofurantoin | 100 mg | capsule | oral | 1 capsule | twice daily | 10 capsule | days=5
cephalexin | 500 mg | capsule | oral | 1 capsule | four times daily | 28 capsule | days=7
"""

# A paragraph per condition. Header: label | prevalence in children, adults under 50,
# adults 50+ | key=value options (underscores read as spaces). Then ICD-10-CM code lines
# (alternatives), "med" lines (one slot each, alternatives split by ";"), "lab" lines
# (LOINC start-range key=value ...), "labs" (a named set) and say/exam/plan phrases.
CONDITION_TEXT = """
hypertension | 0 0.12 0.45 | bp=24 specialty=Cardiology
I10 Essential (primary) hypertension
med lisinopril 10 mg; amlodipine 5 mg; losartan 50 mg; hydrochlorothiazide 25 mg
med amlodipine 10 mg; hydrochlorothiazide 12.5 mg
lab 2823-3 3.8-4.8 sd=0.25
lab 2160-0 0.7-1.1 sd=0.08 places=2
say Home blood pressures mostly in the 130s over 80s.
say No headaches, chest pain or vision changes.
say Trying to cut down on salt.
exam No edema.
exam Heart regular, no murmur.
plan Continue the home blood pressure log.
plan Low-salt diet reviewed.
plan Recheck BMP yearly.

type 2 diabetes | 0.002 0.04 0.17 | bmi=4 specialty=Endocrinology excludes=prediabetes
E11.9 Type 2 diabetes mellitus without complications
E11.65 Type 2 diabetes mellitus with hyperglycemia
med metformin 500 mg; metformin 1000 mg
med empagliflozin 10 mg; glipizide 5 mg; semaglutide 0.5 mg/dose
lab 4548-4 7.6-10.4 goal=6.4-7.5 tau=0.6 sd=0.25 every=120
lab 9318-7 8-45 slope=3 sd=5 places=0
say Checking sugars at home, fasting mostly 120s to 150s.
say No excessive thirst or urination.
say Feet without sores or numbness.
exam Monofilament sensation intact in both feet.
exam No foot ulcers.
plan Diabetic eye exam due this year.
plan Recheck HbA1c in 3 months.
plan Reviewed carbohydrate counting.

hyperlipidemia | 0 0.08 0.35 | specialty=Cardiology
E78.5 Hyperlipidemia, unspecified
E78.00 Pure hypercholesterolemia, unspecified
med atorvastatin 20 mg; atorvastatin 40 mg; rosuvastatin 10 mg
labs lipids
say Tolerating the statin without muscle aches.
say Eating more vegetables and less fried food.
plan Repeat the lipid panel in a year.
plan Continue the statin.

asthma | 0.08 0.07 0.05 | specialty=Pulmonology
J45.909 Unspecified asthma, uncomplicated
J45.20 Mild intermittent asthma, uncomplicated
med albuterol 90 mcg/actuation
med fluticasone/salmeterol 250 mcg/50 mcg; budesonide/formoterol 160 mcg/4.5 mcg
say Uses the rescue inhaler about once a week.
say No night-time cough.
say Wheezing with colds only.
exam Lungs clear, no wheeze.
exam Good air entry on both sides.
plan Asthma action plan reviewed.
plan Inhaler technique checked.

hypothyroidism | 0.005 0.04 0.08 | female_risk=2.5
E03.9 Hypothyroidism, unspecified
med levothyroxine 50 mcg; levothyroxine 75 mcg; levothyroxine 100 mcg
lab 3016-3 6.0-14.0 goal=0.9-3.2 tau=0.4 sd=0.4 every=270 places=2
say Energy better since starting levothyroxine.
say No palpitations.
exam Thyroid not enlarged.
plan Recheck TSH in 6 to 12 months.

GERD | 0.01 0.1 0.14 | specialty=Gastroenterology
K21.9 Gastro-esophageal reflux disease without esophagitis
med omeprazole 20 mg; pantoprazole 40 mg
say Heartburn controlled on the PPI.
say Avoiding late meals.
exam Abdomen soft, non-tender.
plan Consider stepping down the PPI.
plan Avoid eating within 3 hours of bedtime.

depression | 0.02 0.1 0.08 | specialty=Psychiatry
F32.A Depression, unspecified
F32.9 Major depressive disorder, single episode, unspecified
med sertraline 50 mg; escitalopram 10 mg; bupropion 150 mg; fluoxetine 20 mg
say Mood better; sleeping 7 hours.
say PHQ-9 improved since the last visit.
say Still low some days; seeing a counselor.
exam Affect appropriate, good eye contact.
plan Continue counseling.
plan Safety plan reviewed; no thoughts of self-harm.

anxiety | 0.03 0.09 0.06 | specialty=Psychiatry
F41.1 Generalized anxiety disorder
med buspirone 10 mg; escitalopram 10 mg
say Worry more manageable.
say Using breathing exercises.
plan Continue therapy.
plan Discussed sleep hygiene.

knee osteoarthritis | 0 0.02 0.12 | pain=4 specialty=Orthopedics
M17.11 Unilateral primary osteoarthritis, right knee
M17.12 Unilateral primary osteoarthritis, left knee
M17.0 Bilateral primary osteoarthritis of knee
med acetaminophen 500 mg; meloxicam 7.5 mg
say Knee stiff in the morning for about 20 minutes.
say Pain worse on stairs.
exam Crepitus of the knee, no effusion.
exam Mild reduction in knee flexion.
plan Quadriceps strengthening exercises.
plan Weight loss would help the knees.

chronic kidney disease | 0 0.005 0.07 | specialty=Nephrology
N18.31 Chronic kidney disease, stage 3a
N18.32 Chronic kidney disease, stage 3b
lab 98979-8 38-58 slope=-1.2 sd=3 every=180 places=0
lab 2160-0 1.3-1.8 slope=0.04 sd=0.08 every=180 places=2
lab 2823-3 4.2-5.0 sd=0.3 every=180
say No swelling or change in urination.
exam Trace ankle edema.
plan Avoid NSAIDs.
plan Renal function every 6 months.

atrial fibrillation | 0 0.003 0.05 | specialty=Cardiology
I48.91 Unspecified atrial fibrillation
med apixaban 5 mg; warfarin 5 mg
med metoprolol succinate 50 mg; diltiazem 120 mg
lab 6301-6 2.0-3.0 sd=0.45 every=30 needs=warfarin
say Occasional palpitations.
say No bleeding on anticoagulation.
exam Irregularly irregular rhythm.
plan Continue anticoagulation.
plan Bleeding precautions reviewed.

COPD | 0 0.005 0.06 | spo2=-4 specialty=Pulmonology
J44.9 Chronic obstructive pulmonary disease, unspecified
med tiotropium 18 mcg
med albuterol 90 mcg/actuation
say Short of breath after one flight of stairs.
say Morning cough with clear sputum.
exam Scattered expiratory wheezes.
exam Prolonged expiration.
plan Pulmonary rehab discussed.
plan Smoking cessation encouraged.

obesity | 0.05 0.18 0.22 | bmi=9
E66.9 Obesity, unspecified
E66.01 Morbid (severe) obesity due to excess calories
say Walking 20 minutes most days.
say Keeping a food diary.
plan Nutrition referral offered.
plan Goal: 5% weight loss in 6 months.

migraine | 0.02 0.09 0.03 | female_risk=2.5 specialty=Neurology
G43.909 Migraine, unspecified, not intractable, without status migrainosus
med sumatriptan 50 mg
med topiramate 25 mg
say Two or three migraines a month.
say Sumatriptan works within an hour.
exam Neurologic exam non-focal.
plan Keep a headache diary.
plan Limit triptan use to 2 days a week.

low back pain | 0 0.07 0.07 | pain=3 specialty=Orthopedics resolves=0.6
M54.50 Low back pain, unspecified
med cyclobenzaprine 10 mg; naproxen 500 mg
say Back pain after lifting; no leg numbness.
exam Paraspinal tenderness, straight-leg raise negative.
plan Stay active; heat and stretching.

sleep apnea | 0.002 0.03 0.07 | bmi=3 specialty=Sleep_medicine
G47.33 Obstructive sleep apnea (adult) (pediatric)
say Using CPAP most nights.
plan CPAP use reviewed.

vitamin D deficiency | 0.01 0.05 0.07
E55.9 Vitamin D deficiency, unspecified
med cholecalciferol 2000 units
lab 1989-3 11-22 goal=31-44 tau=0.5 sd=3 places=0
plan Continue vitamin D.

iron deficiency anemia | 0.02 0.03 0.03 | female_risk=3 specialty=Gastroenterology
D50.9 Iron deficiency anemia, unspecified
med ferrous sulfate 325 mg
lab 718-7 8.8-10.8 goal=12.0-13.6 tau=0.4 sd=0.3 every=180
lab 2276-4 4-12 goal=35-80 tau=0.5 sd=4 every=180 places=0
say Less tired since starting iron.
exam Conjunctivae mildly pale.
plan Recheck hemoglobin and ferritin.

BPH | 0 0 0.2 | sex=male specialty=Urology
N40.0 Benign prostatic hyperplasia without lower urinary tract symptoms
med tamsulosin 0.4 mg
lab 2857-1 1.2-3.4 slope=0.08 sd=0.2 places=2
say Gets up once a night to urinate.
plan Continue tamsulosin.

osteoporosis | 0 0 0.1 | sex=female
M81.0 Age-related osteoporosis without current pathological fracture
med alendronate 70 mg
say Takes alendronate with water and stays upright for 30 minutes.
plan Fall prevention reviewed.
plan Bone density scan in 2 years.

coronary artery disease | 0 0.004 0.06 | specialty=Cardiology
I25.10 Atherosclerotic heart disease of native coronary artery without angina pectoris
med aspirin 81 mg
med atorvastatin 80 mg
med metoprolol succinate 25 mg
labs lipids
say No chest pain with exertion.
exam Heart regular, no murmur.
plan Cardiac rehab completed.
plan LDL goal under 70.

heart failure | 0 0.001 0.025 | specialty=Cardiology
I50.9 Heart failure, unspecified
med furosemide 40 mg
med carvedilol 6.25 mg
med spironolactone 25 mg
lab 30934-4 160-620 goal=70-240 tau=1 sd=35 every=180 places=0
lab 2823-3 3.9-4.9 sd=0.3 every=180
say Sleeps on two pillows.
say Weighing daily; weight stable.
exam 1+ ankle edema.
plan Daily weights; call if up 1 kg in a day.
plan Salt under 2 g a day.

gout | 0 0.01 0.04 | female_risk=0.4
M10.9 Gout, unspecified
med allopurinol 300 mg
lab 3084-1 7.8-10.2 goal=4.8-6.2 tau=0.5 sd=0.4 every=180
say No flares since starting allopurinol.
plan Limit alcohol and red meat.

allergic rhinitis | 0.1 0.1 0.06
J30.9 Allergic rhinitis, unspecified
med cetirizine 10 mg; loratadine 10 mg; fluticasone 50 mcg/spray
say Sneezing worse in spring.
exam Pale, boggy nasal turbinates.
plan Saline rinses.

nicotine dependence | 0 0.12 0.1 | resolves=0.2
F17.210 Nicotine dependence, cigarettes, uncomplicated
med bupropion 150 mg
say Smoking about half a pack a day.
say Has tried quitting twice.
plan Quit line information given.
plan Set a quit date.

prediabetes | 0 0.05 0.1 | excludes=type_2_diabetes
R73.03 Prediabetes
lab 4548-4 5.7-6.3 slope=0.03 sd=0.12
say Cutting back on sugary drinks.
plan Lifestyle changes; HbA1c yearly.

atopic dermatitis | 0.08 0.02 0.01 | specialty=Dermatology
L20.9 Atopic dermatitis, unspecified
med fluticasone 0.05%
say Itchy patches in the elbow creases.
exam Dry, thickened skin in the skin folds.
plan Fragrance-free moisturizer twice daily.

ADHD | 0.06 0.02 0
F90.0 Attention-deficit hyperactivity disorder, predominantly inattentive type
say School reports trouble focusing.
plan School accommodations discussed.

irritable bowel syndrome | 0.01 0.04 0.03 | female_risk=2
K58.9 Irritable bowel syndrome, unspecified
say Bloating after meals, no weight loss or blood.
plan Trial of a low-FODMAP diet.
"""
