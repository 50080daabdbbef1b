import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AuthMethodType, DATE_PATTERN, PHONE_PATTERN } from './enums';
import { IsTimestamp } from './validators';

export class PersonPhone {
  @IsIn(['MOBILE', 'LANDLINE']) type!: 'MOBILE' | 'LANDLINE';
  @Matches(PHONE_PATTERN) number!: string;
}

export class AuthenticationMethod {
  @IsUUID() id!: string;
  @IsIn(Object.values(AuthMethodType)) type!: AuthMethodType;
  @ValidateIf((m: AuthenticationMethod) => m.type === AuthMethodType.OTP || m.phoneNumber != null)
  @Matches(PHONE_PATTERN)
  phoneNumber?: string;
  @ValidateIf((m: AuthenticationMethod) => m.type === AuthMethodType.THIRD_PERSON || m.value != null)
  @IsUUID()
  value?: string;
  @IsOptional() @IsString() @MaxLength(100) alias?: string;
  @IsBoolean() isActive!: boolean;
  @IsTimestamp() startedAt!: string;
  @IsOptional() @IsTimestamp() endedAt?: string;
  @IsTimestamp() insertedAt!: string;
}

export class RelationshipDocument {
  @IsString() @MaxLength(100) type!: string;
  @IsString() @MaxLength(100) number!: string;
  @IsOptional() @Matches(DATE_PATTERN) issuedAt?: string;
  @IsOptional() @Matches(DATE_PATTERN) activeTo?: string;
}

export class ConfidantPerson {
  @IsUUID() personId!: string;
  @IsIn(['PRIMARY', 'SECONDARY']) relationType!: 'PRIMARY' | 'SECONDARY';
  @IsOptional() @Matches(DATE_PATTERN) activeTo?: string;
  @IsIn(['VERIFIED', 'VERIFICATION_NEEDED', 'REJECTED']) verificationStatus!: string;
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => RelationshipDocument)
  documentsRelationship!: RelationshipDocument[];
}

/** Value of `esoz.person.v1` (compacted, key = person id; a null value is a tombstone). */
export class PersonSnapshot {
  @IsUUID() id!: string;
  @Matches(DATE_PATTERN) birthDate!: string;
  @IsString() @Length(1, 100) firstName!: string;
  @IsString() @Length(1, 100) lastName!: string;
  @IsOptional() @IsString() @MaxLength(100) secondName?: string;
  @IsOptional() @Matches(/^\d{10}$/) taxId?: string;
  @IsOptional() @IsBoolean() noTaxId?: boolean;
  @IsString() @MaxLength(40) verificationStatus!: string;
  @IsOptional() @IsBoolean() isPreperson?: boolean;
  @IsArray()
  @ArrayMaxSize(10)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => PersonPhone)
  phones!: PersonPhone[];
  @IsArray()
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => AuthenticationMethod)
  authenticationMethods!: AuthenticationMethod[];
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ConfidantPerson)
  confidantPersons!: ConfidantPerson[];
  @IsTimestamp() updatedAt!: string;
}
