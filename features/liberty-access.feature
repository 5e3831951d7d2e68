Feature: LIBERTY Dental Plan appointment availability tiers
  Verifies the "liberty-access" pack against the office appointment availability tiers of the
  "GMC Pay to Perform and Withhold Policy" (source document 003_d193abaf51f237db.txt): Optimal
  0-1 week, Very Satisfactory 1-3 weeks, Satisfactory 3-4 weeks, Needs Improvement over 4 weeks,
  for initial and routine visits. The office's tier is the worse of its initial and routine tiers;
  the ranges overlap at 1 and 3 weeks and are read as including their upper end.

  Background:
    Given the policy "liberty-access"

  Scenario: One week for both visits is optimal (reading: 1 week is the end of 0-1)
    Given an office_access record with:
      | fact          | value              |
      | office        | Cross Dental       |
      | initial_weeks | 1                  |
      | routine_weeks | 1                  |
      | hygiene_weeks | 1                  |
    When the record is evaluated
    Then the record is classified as optimal

  Scenario: Three weeks is very satisfactory (reading: 3 weeks is the end of 1-3)
    Given an office_access record with:
      | fact          | value           |
      | office        | Dr. Vinh D Phan |
      | initial_weeks | 3               |
      | routine_weeks | 3               |
      | hygiene_weeks | 1               |
    When the record is evaluated
    Then the record is classified as very satisfactory

  Scenario: The routine wait is worse than the initial one (reading: the worse of the two tiers)
    Given an office_access record with:
      | fact          | value    |
      | office        | Office Y |
      | initial_weeks | 1        |
      | routine_weeks | 4        |
    When the record is evaluated
    Then the record is classified as satisfactory

  Scenario: Over four weeks needs improvement
    Given an office_access record with:
      | fact          | value    |
      | office        | Office Z |
      | initial_weeks | 4.5      |
      | routine_weeks | 2        |
    When the record is evaluated
    Then the record is classified as needs improvement
